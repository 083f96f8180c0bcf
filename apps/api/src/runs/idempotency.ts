import { Inject, Injectable } from '@nestjs/common';
import type { KV } from 'nats';
import { canonicalJson, sha256Hex } from '@ideamine/contracts';
import { NatsResources } from '@ideamine/jetstream';
import { NATS } from '@ideamine/service-kit';
import { ApiError } from '../errors/api-error';

/** Declared in deploy/nats/jetstream.yaml (provisioned on start like every bucket). */
export const IDEMPOTENCY_BUCKET = 'im-api-idempotency';

interface Remembered { runId: string; bodySha256: string; at: string }

/**
 * Idempotency-Key handling: the first POST with a key claims it atomically (KV create, which
 * fails if the key exists, across every API replica); a retry with the same body names the same
 * run, a reuse with a different body is refused (422) instead of silently returning the old run.
 */
@Injectable()
export class IdempotencyStore {
  private kv?: Promise<KV>;

  constructor(@Inject(NATS) private readonly nats: NatsResources) {}

  private bucket(): Promise<KV> {
    this.kv ??= this.nats.js.views.kv(IDEMPOTENCY_BUCKET, { history: 1 }).catch((err) => {
      this.kv = undefined;
      throw err;
    });
    return this.kv;
  }

  /** KV keys allow only [-/_=.a-zA-Z0-9]: the (client, key) pair is hashed into one. */
  private static keyOf(client: string, key: string) {
    return `k.${sha256Hex(`${client}\n${key}`)}`;
  }

  /** Returns whether this is a replay of an earlier, identical submission. */
  async claim(client: string, key: string, runId: string, body: unknown): Promise<{ replayed: boolean; release: () => Promise<void> }> {
    const kv = await this.bucket();
    const k = IdempotencyStore.keyOf(client, key);
    const bodySha256 = sha256Hex(canonicalJson(body));
    const value: Remembered = { runId, bodySha256, at: new Date().toISOString() };
    try {
      await kv.create(k, JSON.stringify(value));
      return { replayed: false, release: async () => void (await kv.delete(k).catch(() => undefined)) };
    } catch (err) {
      // create() fails with "wrong last sequence" when the key exists; anything else is real.
      if (!/wrong last sequence|key exists/i.test(String((err as Error).message))) throw err;
    }
    const entry = await kv.get(k);
    const prior = entry && entry.operation === 'PUT' ? (JSON.parse(entry.string()) as Remembered) : undefined;
    if (!prior) return this.claim(client, key, runId, body); // deleted meanwhile: claim afresh
    if (prior.bodySha256 !== bodySha256) {
      throw new ApiError('IM_IDEMPOTENCY_MISMATCH', `Idempotency-Key "${key}" was first used at ${prior.at} with a different request body; use a new key for a different submission`, { runId: prior.runId, firstUsedAt: prior.at });
    }
    return { replayed: true, release: async () => undefined };
  }
}
