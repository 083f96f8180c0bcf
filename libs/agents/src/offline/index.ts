import type { Agent } from '../sdk';
import { IdeaParserAgent, ConstraintExtractorAgent } from './intake.agents';

/** Every offline agent, one file per phase. */
export const OFFLINE_AGENTS: Agent[] = [IdeaParserAgent, ConstraintExtractorAgent];
