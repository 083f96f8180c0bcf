import { ConfigError } from '@ideamine/service-kit';
import type { ProjectorOptions } from './tokens';

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name}="${raw}" must be an integer of at least ${min}`);
  return n;
}

/** The projector's own settings (documented in the README's environment table). */
export function loadProjectorOptions(env: NodeJS.ProcessEnv = process.env): ProjectorOptions {
  return {
    batchSize: int(env, 'IM_PROJECTOR_BATCH', 1000, 1),
    // Short enough for a live lag well under a second, long enough to gather a batch under load.
    flushMs: int(env, 'IM_PROJECTOR_FLUSH_MS', 50, 1),
    checkEveryMs: int(env, 'IM_PROJECTOR_CHECK_MS', 5000, 100),
    poisonRetryMs: int(env, 'IM_PROJECTOR_POISON_RETRY_MS', 30000, 100),
  };
}
