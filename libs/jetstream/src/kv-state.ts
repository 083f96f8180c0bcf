import type { KV } from 'nats';

export class SnapshotConflictError extends Error {
  readonly code = 'IM_SNAPSHOT_CONFLICT';
}

const isCasConflict = (err: unknown) => /wrong last sequence|key exists/i.test((err as Error)?.message ?? '');

/**
 * Applies one decision to a per-aggregate snapshot in KV with compare-and-set.
 * `decide` sees the current state and returns the next state plus the effects (publishes) that must
 * happen before the snapshot is written. If another replica wrote the snapshot meanwhile, the whole
 * step runs again on the fresh state; effects use deterministic message ids, so a repeat is deduplicated.
 * The snapshot is a cache of the stream: losing it costs a rebuild, never correctness.
 */
export async function withSnapshot<S>(
  kv: KV, key: string, initial: () => S,
  decide: (state: S) => Promise<{ next: S; effects?: () => Promise<void> }>,
  maxAttempts = 20,
): Promise<S> {
  for (let attempt = 1; ; attempt++) {
    const entry = await kv.get(key);
    const live = entry && entry.operation === 'PUT' && entry.value.length > 0;
    const state: S = live ? (JSON.parse(Buffer.from(entry.value).toString('utf8')) as S) : initial();
    const { next, effects } = await decide(state);
    if (effects) await effects();
    const bytes = Buffer.from(JSON.stringify(next));
    try {
      // A deleted key still has a revision to compare against; only a never-written key is created.
      if (entry) await kv.update(key, bytes, entry.revision);
      else await kv.create(key, bytes);
      return next;
    } catch (err) {
      if (!isCasConflict(err) || attempt >= maxAttempts) {
        if (isCasConflict(err)) throw new SnapshotConflictError(`${key}: gave up after ${attempt} conflicting writes`);
        throw err;
      }
    }
  }
}

export async function readSnapshot<S>(kv: KV, key: string): Promise<S | undefined> {
  const entry = await kv.get(key);
  if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
  return JSON.parse(Buffer.from(entry.value).toString('utf8')) as S;
}
