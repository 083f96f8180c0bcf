import type { Agent } from '../sdk';
import { AESTHETIC_AGENTS } from './aesthetic.agents';
import { ARCHITECTURE_AGENTS } from './architecture.agents';
import { BETA_AGENTS } from './beta.agents';
import { BIZDEV_AGENTS } from './bizdev.agents';
import { BUILD_AGENTS } from './build.agents';
import { CRITIQUE_AGENTS } from './critique.agents';
import { IDEATION_AGENTS } from './ideation.agents';
import { IdeaParserAgent, ConstraintExtractorAgent } from './intake.agents';
import { PRD_AGENTS } from './prd.agents';
import { QA_AGENTS } from './qa.agents';
import { RELEASE_AGENTS } from './release.agents';
import { SECURITY_AGENTS } from './security.agents';
import { STORY_LOOP_AGENTS } from './story-loop.agents';
import { NoopAgent } from './noop.agent';

/** Every offline agent, one file per phase. */
export const OFFLINE_AGENTS: Agent[] = [
  IdeaParserAgent,
  ConstraintExtractorAgent,
  ...IDEATION_AGENTS,
  ...CRITIQUE_AGENTS,
  ...PRD_AGENTS,
  ...BIZDEV_AGENTS,
  ...ARCHITECTURE_AGENTS,
  ...BUILD_AGENTS,
  ...SECURITY_AGENTS,
  ...STORY_LOOP_AGENTS,
  ...QA_AGENTS,
  ...AESTHETIC_AGENTS,
  ...RELEASE_AGENTS,
  ...BETA_AGENTS,
  NoopAgent,
];
