import type { JetStreamManager } from 'nats';

/**
 * The keys of a KV bucket under a filter (`a.b.*`, `a.>`), read from the bucket stream's subject
 * list in one request (paged by nats.js). Not `kv.keys()`: on nats-server 2.9 its last-per-subject
 * consumer was seen to stop after the first key of a filter once the bucket had many updates,
 * and a missed key here is a run whose state is silently lost. Deleted keys may be listed; read
 * each one and skip what is not a PUT.
 */
export async function listKvKeys(jsm: JetStreamManager, bucket: string, filter: string): Promise<string[]> {
  const prefix = `$KV.${bucket}.`;
  const si = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}${filter}` });
  return Object.keys(si.state.subjects ?? {}).map((s) => s.slice(prefix.length)).sort();
}
