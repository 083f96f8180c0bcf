import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import {
  JetStreamManager, JetStreamClient, StreamConfig, RetentionPolicy, StorageType, DiscardPolicy, nanos,
} from 'nats';
import { ProvisioningError } from './errors';

export interface StreamSpec {
  name: string;
  description?: string;
  subjects: string[];
  storage?: 'file' | 'memory';
  retention?: 'limits' | 'workqueue' | 'interest';
  max_age?: string | number;
  max_bytes?: number;
  max_msgs?: number;
  max_msgs_per_subject?: number;
  max_msg_size?: number;
  discard?: 'old' | 'new';
  deny_delete?: boolean;
  deny_purge?: boolean;
  duplicate_window?: string | number;
  republish?: { src: string; dest: string };
  num_replicas?: number;
}
export interface BucketSpec {
  bucket: string;
  history?: number;
  /** Entries expire this long after their last write (e.g. "10s"): leases that are not renewed disappear. */
  ttl?: string;
  description?: string;
}
export interface JetStreamSpec {
  streams: StreamSpec[];
  kv: BucketSpec[];
  objectStores: BucketSpec[];
}

export type ProvisionAction = 'created' | 'unchanged' | 'drifted' | 'updated';
export interface ProvisionReportLine {
  kind: 'stream' | 'kv' | 'object-store';
  name: string;
  action: ProvisionAction;
  differences?: string[];
}

/** "2m", "1h", "30s", "720h" or 0 -> nanoseconds, as the JetStream API wants. */
export function durationToNanos(value: string | number | undefined): number {
  if (value === undefined || value === 0 || value === '0') return 0;
  if (typeof value === 'number') return nanos(value * 1000);
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!m) throw new ProvisioningError(`invalid duration "${value}": use a number with ms, s, m or h`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return nanos(Number(m[1]) * factor);
}

export function loadJetStreamSpec(path: string): JetStreamSpec {
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ProvisioningError(`${path}: ${(err as Error).message}`);
  }
  const spec = doc as Partial<JetStreamSpec>;
  if (!spec || !Array.isArray(spec.streams)) throw new ProvisioningError(`${path}: "streams" must be a list`);
  for (const [i, s] of spec.streams.entries()) {
    if (!s?.name || !Array.isArray(s.subjects) || s.subjects.length === 0) {
      throw new ProvisioningError(`${path}: streams[${i}] needs a name and a non-empty subjects list`);
    }
  }
  return { streams: spec.streams, kv: spec.kv ?? [], objectStores: spec.objectStores ?? [] };
}

export function toStreamConfig(s: StreamSpec, replicas?: number): Partial<StreamConfig> {
  const cfg: Partial<StreamConfig> = {
    name: s.name,
    subjects: s.subjects,
    storage: s.storage === 'memory' ? StorageType.Memory : StorageType.File,
    retention: s.retention === 'workqueue' ? RetentionPolicy.Workqueue : s.retention === 'interest' ? RetentionPolicy.Interest : RetentionPolicy.Limits,
    max_age: durationToNanos(s.max_age),
    num_replicas: replicas ?? s.num_replicas ?? 1,
  };
  if (s.description) cfg.description = s.description;
  if (s.max_bytes !== undefined) cfg.max_bytes = s.max_bytes;
  if (s.max_msgs !== undefined) cfg.max_msgs = s.max_msgs;
  if (s.max_msgs_per_subject !== undefined) cfg.max_msgs_per_subject = s.max_msgs_per_subject;
  if (s.max_msg_size !== undefined) cfg.max_msg_size = s.max_msg_size;
  if (s.discard) cfg.discard = s.discard === 'new' ? DiscardPolicy.New : DiscardPolicy.Old;
  if (s.deny_delete !== undefined) cfg.deny_delete = s.deny_delete;
  if (s.deny_purge !== undefined) cfg.deny_purge = s.deny_purge;
  if (s.duplicate_window !== undefined) cfg.duplicate_window = durationToNanos(s.duplicate_window);
  if (s.republish) cfg.republish = { src: s.republish.src, dest: s.republish.dest };
  return cfg;
}

/** Keys of the wanted config whose live value differs. Only what the spec states is compared. */
export function diffStreamConfig(wanted: Partial<StreamConfig>, live: StreamConfig): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    const liveValue = (live as unknown as Record<string, unknown>)[key];
    const same = JSON.stringify(normalize(value)) === JSON.stringify(normalize(liveValue));
    if (!same) out.push(`${key}: live ${JSON.stringify(liveValue)} != wanted ${JSON.stringify(value)}`);
  }
  return out;
}

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return [...v].sort();
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)));
  return v ?? null;
}

export interface ProvisionOptions {
  /** Apply differing live stream configs instead of only reporting them. */
  update?: boolean;
  /** Override num_replicas (e.g. 3 on a cluster). */
  replicas?: number;
}

/** A bucket created concurrently by another service fails the first open; the second binds to it. */
async function onceMore<T>(open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch {
    await new Promise((r) => setTimeout(r, 100));
    return open();
  }
}

/** Idempotent: creates what is missing, reports drift, changes a live stream only when told to. */
export async function provisionJetStream(
  jsm: JetStreamManager, js: JetStreamClient, spec: JetStreamSpec, opts: ProvisionOptions = {},
): Promise<ProvisionReportLine[]> {
  const report: ProvisionReportLine[] = [];
  for (const s of spec.streams) {
    const wanted = toStreamConfig(s, opts.replicas);
    const live = await jsm.streams.info(s.name).catch((err: Error & { code?: string; api_error?: { err_code?: number } }) => {
      if (err.api_error?.err_code === 10059 || /stream not found/i.test(err.message)) return undefined;
      throw err;
    });
    if (!live) {
      try {
        await jsm.streams.add(wanted);
      } catch (err) {
        // Services start together and each provisions: another one may have created the stream
        // between info and add. nats-server answers that "already in use" or, while the other
        // creation is under way, "subjects overlap with an existing stream"; either way it is there.
        const created = await jsm.streams.info(s.name).then(() => true, () => false);
        if (!created) throw new ProvisioningError(`stream ${s.name}: ${(err as Error).message}`);
      }
      report.push({ kind: 'stream', name: s.name, action: 'created' });
      continue;
    }
    const differences = diffStreamConfig(wanted, live.config);
    if (differences.length === 0) report.push({ kind: 'stream', name: s.name, action: 'unchanged' });
    else if (opts.update) {
      await jsm.streams.update(s.name, { ...live.config, ...wanted });
      report.push({ kind: 'stream', name: s.name, action: 'updated', differences });
    } else report.push({ kind: 'stream', name: s.name, action: 'drifted', differences });
  }
  for (const b of spec.kv) {
    const existed = await jsm.streams.info(`KV_${b.bucket}`).then(() => true, () => false);
    const ttlMs = b.ttl ? Math.round(durationToNanos(b.ttl) / 1e6) : undefined;
    await onceMore(() => js.views.kv(b.bucket, { history: b.history ?? 1, description: b.description, replicas: opts.replicas ?? 1, ...(ttlMs ? { ttl: ttlMs } : {}) }));
    report.push({ kind: 'kv', name: b.bucket, action: existed ? 'unchanged' : 'created' });
  }
  for (const b of spec.objectStores) {
    const existed = await jsm.streams.info(`OBJ_${b.bucket}`).then(() => true, () => false);
    await onceMore(() => js.views.os(b.bucket, { description: b.description, replicas: opts.replicas ?? 1 }));
    report.push({ kind: 'object-store', name: b.bucket, action: existed ? 'unchanged' : 'created' });
  }
  return report;
}
