import { EventSource } from 'eventsource';

/** Exit codes of every API command (README, `ideamine --help`). */
export const EXIT = { completed: 0, usage: 1, infrastructure: 1, failed: 2, paused: 3, blocked: 3, cancelled: 4 } as const;

export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.usage) {
    super(message);
    this.name = new.target.name;
  }
}

export interface ApiOptions {
  api?: string;
  key?: string;
  json?: boolean;
}

export interface Endpoint {
  base: string;
  key: string;
}

export function endpoint(opts: ApiOptions): Endpoint {
  const base = (opts.api ?? process.env.IM_API_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const key = opts.key ?? process.env.IM_API_KEY;
  if (!key) throw new CliError('no API key: pass --key or set IM_API_KEY (one of the api service\'s IM_API_KEYS)', EXIT.usage);
  if (!/^https?:\/\//.test(base)) throw new CliError(`--api must be an http(s) URL, got "${base}"`, EXIT.usage);
  return { base, key };
}

/** A JSON call to the API; errors carry the API's code and message and exit 1. */
export async function call<T = any>(opts: ApiOptions, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const { base, key } = endpoint(opts);
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(`cannot reach the API at ${base}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`, EXIT.infrastructure);
  }
  const text = await res.text();
  let data: any;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const e = data?.error;
    throw new CliError(e ? `${method} ${path}: ${res.status} ${e.code}: ${e.message}` : `${method} ${path}: ${res.status} ${text.slice(0, 200)}`, EXIT.infrastructure);
  }
  return data as T;
}

export async function download(opts: ApiOptions, path: string): Promise<{ body: Buffer; contentType: string }> {
  const { base, key } = endpoint(opts);
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  } catch (err) {
    throw new CliError(`cannot reach the API at ${base}: ${(err as Error).message}`, EXIT.infrastructure);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) {
    let msg = body.toString('utf8').slice(0, 300);
    try {
      const e = JSON.parse(msg).error;
      msg = `${e.code}: ${e.message}`;
    } catch { /* not JSON */ }
    throw new CliError(`GET ${path}: ${res.status} ${msg}`, EXIT.infrastructure);
  }
  return { body, contentType: res.headers.get('content-type') ?? 'application/octet-stream' };
}

export interface Envelope {
  id: string;
  type: string;
  runId: string;
  occurredAt: string;
  payload: any;
}

/**
 * Follows a run's server-sent events (the API reads them from JetStream). EventSource reconnects
 * by itself and resumes after the last event id, so a dropped connection loses nothing. Resolves
 * with what `onEvent` returns (or passes to `settle`) once that is something other than undefined.
 */
export function followRun<T>(opts: ApiOptions, runId: string, onEvent: (e: Envelope, seq: number, settle: (v: T) => void) => T | undefined): Promise<T> {
  const { base, key } = endpoint(opts);
  return new Promise<T>((resolve, reject) => {
    const es = new EventSource(`${base}/v1/runs/${runId}/stream`, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers ?? {}), authorization: `Bearer ${key}` } }),
    });
    let opened = false;
    let settled = false;
    const settle = (v: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(fail);
      es.close();
      resolve(v);
    };
    const fail = setTimeout(() => {
      if (opened) return;
      es.close();
      reject(new CliError(`no event stream from ${base} within 15 s`, EXIT.infrastructure));
    }, 15_000);
    es.onopen = () => {
      opened = true;
    };
    es.onmessage = (m) => {
      let env: Envelope;
      try {
        env = JSON.parse(m.data);
      } catch {
        return; // not an envelope; nothing to follow
      }
      const out = onEvent(env, Number(m.lastEventId), settle);
      if (out !== undefined) settle(out);
    };
    es.onerror = (err: any) => {
      // A refused request (401, 404...) is final; a dropped connection is retried by EventSource.
      if (es.readyState === EventSource.CLOSED) {
        clearTimeout(fail);
        reject(new CliError(`event stream of run ${runId} refused${err?.code ? ` (${err.code})` : ''}: ${err?.message ?? 'closed'}`, EXIT.infrastructure));
      }
    };
  });
}

export type Outcome = 'completed' | 'failed' | 'cancelled' | 'paused' | 'blocked';

/** Events after which a run never changes again, and the outcome each means. */
export function finalOutcomeOf(e: Envelope): { outcome: Outcome; reason: string } | undefined {
  switch (e.type) {
    case 'run.completed': return { outcome: 'completed', reason: '' };
    case 'run.failed': return { outcome: 'failed', reason: e.payload?.reason ?? '' };
    case 'run.cancelled': return { outcome: 'cancelled', reason: e.payload?.reason ?? '' };
    default: return undefined;
  }
}

/** Events that stop a run until a person acts; a wait ends on them only if the run is still stopped. */
export function haltOf(e: Envelope): { outcome: Outcome; reason: string } | undefined {
  if (e.type === 'run.paused') return { outcome: 'paused', reason: e.payload?.reason ?? '' };
  if (e.type === 'phase.blocked') return { outcome: 'blocked', reason: `${e.payload?.phase}: ${e.payload?.reason ?? ''}` };
  return undefined;
}
