import type { JetStreamManager, KV } from 'nats';
import { BUCKETS } from '@ideamine/contracts';
import { listKvKeys } from '@ideamine/jetstream';
import type { RunSlot } from './run-slot';

/** Written under a name another replica now writes too: this one no longer owns the partition. */
export class SnapshotFencedError extends Error {
  readonly code = 'IM_SNAPSHOT_FENCED';
}

export interface PartitionSnapshot {
  /** Every message of the stream at or below this sequence is reflected in the partition's run snapshots. */
  pos: number;
  slots: RunSlot[];
}

const SNAPSHOT_VERSION = 1;

/**
 * Decider state in KV: one key per run (`<service>.<partition>.<runId>`) and one position per
 * partition (`<service>.<partition>._pos`), written in that order so a position never claims more
 * than the run keys hold. Writes are compare-and-set on the revision this owner last saw: a stale
 * owner cannot overwrite a newer snapshot. It is only a cache of the stream: with the bucket gone,
 * a decider rebuilds from sequence 1.
 */
export class SnapshotStore {
  private readonly revisions = new Map<string, number>();

  constructor(private readonly kv: KV, private readonly jsm: JetStreamManager, private readonly service: string, private readonly bucket: string = BUCKETS.deciderState) {}

  private runKey = (p: number, runId: string) => `${this.service}.${p}.${runId}`;
  private posKey = (p: number) => `${this.service}.${p}._pos`;

  async load(p: number): Promise<PartitionSnapshot> {
    const posEntry = await this.kv.get(this.posKey(p));
    if (!posEntry || posEntry.operation !== 'PUT') {
      this.revisions.set(this.posKey(p), posEntry?.revision ?? 0);
      return { pos: 0, slots: [] };
    }
    this.revisions.set(this.posKey(p), posEntry.revision);
    const { pos, version } = JSON.parse(Buffer.from(posEntry.value).toString('utf8')) as { pos: number; version: number };
    if (version !== SNAPSHOT_VERSION) return { pos: 0, slots: [] };
    const slots: RunSlot[] = [];
    for (const key of await listKvKeys(this.jsm, this.bucket, `${this.service}.${p}.*`)) {
      if (key === this.posKey(p)) continue;
      const e = await this.kv.get(key);
      if (!e || e.operation !== 'PUT') continue;
      this.revisions.set(key, e.revision);
      slots.push(JSON.parse(Buffer.from(e.value).toString('utf8')) as RunSlot);
    }
    return { pos, slots };
  }

  /**
   * Writes the given runs, then the partition's position (only if every run was written). `stillOwner`
   * is asked when a key moved under us: a previous owner's last write can land after we loaded the
   * key, and while we hold the lease our state is the newer one, so it is overwritten once; a key that
   * moves again at once means someone writes it now, and SnapshotFencedError says so.
   */
  async save(p: number, pos: number, slots: RunSlot[], stillOwner: () => boolean = () => true): Promise<void> {
    // All settled before anything else: a write left in flight would move a key under the next load.
    const results = await Promise.allSettled(slots.map((s) => this.write(this.runKey(p, s.runId), JSON.stringify(s), stillOwner)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    await this.write(this.posKey(p), JSON.stringify({ pos, version: SNAPSHOT_VERSION, at: new Date().toISOString() }), stillOwner);
  }

  private async write(key: string, value: string, stillOwner: () => boolean): Promise<void> {
    const known = this.revisions.get(key);
    try {
      const rev = known ? await this.kv.update(key, value, known) : await this.kv.create(key, value);
      this.revisions.set(key, rev);
    } catch (err) {
      const e = await this.kv.get(key).catch(() => null);
      // A key deleted from outside (the bucket emptied by an operator) is simply written again.
      if (!e || e.operation !== 'PUT') {
        this.revisions.set(key, await this.kv.put(key, value));
        return;
      }
      if (!stillOwner()) throw new SnapshotFencedError(`${key}: ${(err as Error).message}`);
      try {
        this.revisions.set(key, await this.kv.update(key, value, e.revision));
      } catch (again) {
        throw new SnapshotFencedError(`${key} moved twice while this replica held its partition: ${(again as Error).message}`);
      }
    }
  }

  forget(p: number): void {
    const prefix = `${this.service}.${p}.`;
    for (const k of [...this.revisions.keys()]) if (k.startsWith(prefix)) this.revisions.delete(k);
  }
}
