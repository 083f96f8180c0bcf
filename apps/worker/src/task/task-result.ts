import type { ArtifactRef, Usage } from '@ideamine/contracts';

/** What the worker remembers per idempotence key, so a redelivered task never pays twice. */
export interface RecordedTaskResult {
  taskId: string;
  agent: string;
  result: ArtifactRef;
  usage: Usage;
  artifacts: ArtifactRef[];
}

/** KV keys allow [-/_=.a-zA-Z0-9]: a hex idempotence key fits as is. */
export const resultKey = (idempotenceKey: string) => `r.${idempotenceKey}`;
export const checkpointKey = (taskId: string) => `c.${taskId}`;
