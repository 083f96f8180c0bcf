/** Fixtures for specs of anything that handles contracts (import from '@ideamine/contracts/testing'). */
import type { ArtifactRef, PhaseConfig } from '../common';

/** A phase definition; override what the spec is about. */
export const phaseConfig = (name: string, over: Partial<PhaseConfig> = {}): PhaseConfig => ({
  phase: name,
  dependsOn: [],
  parallelism: 'parallel',
  aggregation: 'merge',
  agents: ['AgentA', 'AgentB'],
  budgets: { tokens: 10_000, usd: 1, toolMinutes: 1, wallclockMinutes: 10 },
  guards: [],
  gate: { passThreshold: 0.7, autoFix: true, maxAttempts: 3 },
  estimatedMinutes: 10,
  ...over,
});

export const artifactRef = (sha: string, kind = 'evidence-pack'): ArtifactRef => ({
  bucket: 'im-artifacts', name: sha.padEnd(64, '0'), sha256: sha.padEnd(64, '0'), size: 10, contentType: 'application/json', kind,
});

export const IDEA = { idea: 'A shared grocery list for flatmates', targetUsers: [], constraints: [] };
