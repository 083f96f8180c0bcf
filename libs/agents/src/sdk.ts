import type { ArtifactRef, Budget, IdeaInput, Usage } from '@ideamine/contracts';
import type { LlmClient } from './llm/llm-client';

/** What an agent is given: the idea, the evidence of earlier phases and earlier tasks of this phase. */
export interface AgentInput {
  runId: string;
  phase: string;
  agent: string;
  gateAttempt: number;
  iteration: number;
  /** This task's slice of the agent's work: items whose index % shards === shard. */
  shard: number;
  shards: number;
  idea: IdeaInput;
  /** Evidence packs of every upstream phase, by phase name (the `merged` part). */
  upstream: Record<string, Record<string, unknown>>;
  /** Outputs of earlier tasks in this phase (sequential chain or earlier iterations). */
  previous: { agent: string; iteration: number; output: Record<string, unknown> }[];
}

export interface CheckpointStore<S = unknown> {
  load(): Promise<{ step: number; state: S } | undefined>;
  save(step: number, state: S): Promise<void>;
}

export interface AgentContext {
  input: AgentInput;
  /**
   * Model calls (complete / completeJson / call) and tools (llm.tool(name, fn), which charges tool
   * minutes), all within the task's budget; see libs/agents/README.md.
   */
  llm: LlmClient;
  checkpoint: CheckpointStore;
  heartbeat(): void;
  progress(percent: number, note?: string): void;
  artifacts: {
    put(kind: string, content: string | Buffer, contentType?: string): Promise<ArtifactRef>;
  };
  remainingBudget(): Budget;
  usage(): Usage;
}

/** An agent: a name, JSON Schemas for input and output, and run(ctx). Output is validated by the worker. */
export interface Agent<O extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  description: string;
  outputSchema: Record<string, unknown>;
  run(ctx: AgentContext): Promise<O>;
}

/** Every agent's input is validated against this schema before it runs. */
export const AGENT_INPUT_SCHEMA = {
  type: 'object',
  required: ['runId', 'phase', 'agent', 'idea', 'upstream', 'previous'],
  properties: {
    runId: { type: 'string' },
    phase: { type: 'string' },
    agent: { type: 'string' },
    idea: { type: 'object', required: ['idea'], properties: { idea: { type: 'string', minLength: 1 } } },
    upstream: { type: 'object' },
    previous: { type: 'array' },
  },
} as const;
