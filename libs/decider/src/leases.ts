import { createHash } from 'node:crypto';
import type { JetStreamManager, KV } from 'nats';
import { BUCKETS } from '@ideamine/contracts';
import { listKvKeys } from '@ideamine/jetstream';
import type { Logger } from '@ideamine/telemetry';

export interface LeaseOptions {
  service: string;
  /** This replica's stable name (pod name, `<service>-<n>`): a restarted replica takes its partitions back at once. */
  instance: string;
  partitions: number;
  /** How long a lease lives without renewal; the bucket's TTL must equal it. */
  ttlMs: number;
  logger: Logger;
  /** Told the partitions now held whenever that set changes; must return quickly (the runner queues the work). */
  onChange(owned: number[]): void;
}

interface Held {
  revision: number;
  renewedAt: number;
}

/** Keys in the leases bucket allow [-/_=.a-zA-Z0-9]. */
const keySafe = (s: string) => s.replace(/[^-/_=a-zA-Z0-9]/g, '_');

/** Rendezvous hashing: each partition goes to the member with the highest score, so few move when members change. */
export function rendezvousOwner(partition: number, members: string[]): string | undefined {
  let best: { m: string; score: string } | undefined;
  for (const m of members) {
    const score = createHash('sha256').update(`${m}\u0000${partition}`).digest('hex');
    if (!best || score > best.score) best = { m, score };
  }
  return best?.m;
}

export function partitionOf(runId: string, partitions: number): number {
  return createHash('sha256').update(runId).digest().readUInt32BE(0) % partitions;
}

/**
 * Partition ownership for the replicas of one decider service. Each replica announces itself
 * (a member key that expires with the bucket's TTL), assigns partitions to members by rendezvous
 * hashing, acquires what is its own with a KV create (one holder at a time), renews by
 * compare-and-set, and gives partitions up when another member should hold them. A replica that
 * could not renew for most of a TTL stops deciding on its own (`holds` turns false) before the
 * lease can expire on the server, so two replicas never both believe they own a partition.
 */
export class PartitionLeases {
  private readonly held = new Map<number, Held>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly me: string;

  constructor(private readonly kv: KV, private readonly jsm: JetStreamManager, private readonly opts: LeaseOptions) {
    this.me = keySafe(opts.instance);
  }

  private leaseKey = (p: number) => `lease.${this.opts.service}.${p}`;
  private memberKey = (m: string) => `member.${this.opts.service}.${m}`;

  /** True while this replica may decide for partition p (renewed recently enough). */
  holds(p: number): boolean {
    const h = this.held.get(p);
    return !!h && Date.now() - h.renewedAt < this.opts.ttlMs - Math.min(2000, this.opts.ttlMs / 3);
  }

  owned(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  async start(): Promise<void> {
    await this.round();
    this.schedule();
  }

  private schedule() {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => this.schedule());
    }, Math.max(200, Math.floor(this.opts.ttlMs / 3)));
  }

  private async members(): Promise<string[]> {
    const prefix = `member.${this.opts.service}.`;
    // Expired members have no message left; deleted ones (a clean shutdown) leave a DEL marker.
    const out: string[] = [];
    for (const k of await listKvKeys(this.jsm, BUCKETS.leases, `${prefix}*`)) {
      const e = await this.kv.get(k);
      if (e?.operation === 'PUT') out.push(k.slice(prefix.length));
    }
    if (!out.includes(this.me)) out.push(this.me);
    return out.sort();
  }

  /** One pass: announce, renew, release what moved away, acquire what is ours. */
  async round(): Promise<void> {
    if (this.stopped) return;
    const before = this.owned().join(',');
    try {
      await this.kv.put(this.memberKey(this.me), JSON.stringify({ at: new Date().toISOString() }));
      const members = await this.members();
      // All at once: a round must stay short under load, or leases age past `holds` between rounds.
      await Promise.all(Array.from({ length: this.opts.partitions }, async (_, p) => {
        const mine = rendezvousOwner(p, members) === this.me;
        const h = this.held.get(p);
        if (h && !mine) await this.release(p, 'another member should hold it');
        else if (h) await this.renew(p, h);
        else if (mine) await this.acquire(p);
      }));
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'lease round failed; retrying');
    }
    for (const p of this.owned()) if (!this.holds(p)) this.held.delete(p);
    const after = this.owned();
    if (after.join(',') !== before && !this.stopped) this.opts.onChange(after);
  }

  private async renew(p: number, h: Held) {
    try {
      const revision = await this.kv.update(this.leaseKey(p), this.value(), h.revision);
      this.held.set(p, { revision, renewedAt: Date.now() });
    } catch (err) {
      this.held.delete(p);
      this.opts.logger.warn({ partition: p, err: (err as Error).message }, 'lost partition lease');
    }
  }

  private async acquire(p: number) {
    const key = this.leaseKey(p);
    try {
      const revision = await this.kv.create(key, this.value());
      this.held.set(p, { revision, renewedAt: Date.now() });
      return;
    } catch {
      /* held by someone: maybe by our own previous process */
    }
    const e = await this.kv.get(key);
    if (!e || e.operation !== 'PUT') return;
    const holder = (JSON.parse(Buffer.from(e.value).toString('utf8')) as { owner?: string }).owner;
    if (holder !== this.me) return;
    // Same stable name: the process that held it was this replica before a restart, and is gone.
    try {
      const revision = await this.kv.update(key, this.value(), e.revision);
      this.held.set(p, { revision, renewedAt: Date.now() });
    } catch {
      /* raced; next round */
    }
  }

  private async release(p: number, why: string) {
    const h = this.held.get(p);
    this.held.delete(p);
    if (!h) return;
    this.opts.logger.info({ partition: p, why }, 'releasing partition');
    await this.kv.delete(this.leaseKey(p), { previousSeq: h.revision }).catch(() => undefined);
  }

  private value() {
    return JSON.stringify({ owner: this.me, at: new Date().toISOString() });
  }

  /** Gives every lease back (graceful shutdown) so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    for (const p of this.owned()) await this.release(p, 'shutting down');
    await this.kv.delete(this.memberKey(this.me)).catch(() => undefined);
  }

  /** Releases a partition whose snapshot could not be written under our name (someone else owns it now). */
  async drop(p: number, why: string): Promise<void> {
    await this.release(p, why);
  }
}
