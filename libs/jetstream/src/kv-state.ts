import type { KV } from 'nats';

/** A JSON value stored under a KV key, or undefined when the key was never written or was deleted. */
export async function readSnapshot<S>(kv: KV, key: string): Promise<S | undefined> {
  const entry = await kv.get(key);
  if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
  return JSON.parse(Buffer.from(entry.value).toString('utf8')) as S;
}
