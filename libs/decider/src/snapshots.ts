import type { KV } from 'nats';
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

  constructor(private readonly kv: KV, private readonly service: string) {}

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
    const prefix = `${this.service}.${p}.`;
    for await (const key of await this.kv.keys(`${prefix}*`)) {
      if (key === this.posKey(p)) continue;
      const e = await this.kv.get(key);
      if (!e || e.operation !== 'PUT') continue;
      this.revisions.set(key, e.revision);
      slots.push(JSON.parse(Buffer.from(e.value).toString('utf8')) as RunSlot);
    }
    return { pos, slots };
  }

  /** Writes the given runs, then the partition's position. Throws SnapshotFencedError when another owner wrote since. */
  async save(p: number, pos: number, slots: RunSlot[]): Promise<void> {
    await Promise.all(slots.map((s) => this.write(this.runKey(p, s.runId), JSON.stringify(s))));
    await this.write(this.posKey(p), JSON.stringify({ pos, version: SNAPSHOT_VERSION, at: new Date().toISOString() }));
  }

  private async write(key: string, value: string): Promise<void> {
    const known = this.revisions.get(key);
    try {
      const rev = known ? await this.kv.update(key, value, known) : await this.kv.create(key, value);
      this.revisions.set(key, rev);
    } catch (err) {
      // A key deleted from outside (the bucket emptied by an operator) is simply written again.
      const e = await this.kv.get(key).catch(() => null);
      if (!e || e.operation !== 'PUT') {
        this.revisions.set(key, await this.kv.put(key, value));
        return;
      }
      throw new SnapshotFencedError(`${key}: ${(err as Error).message}`);
    }
  }

  forget(p: number): void {
    const prefix = `${this.service}.${p}.`;
    for (const k of [...this.revisions.keys()]) if (k.startsWith(prefix)) this.revisions.delete(k);
  }
}
