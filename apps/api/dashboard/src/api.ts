import { EventSource } from 'eventsource';

/**
 * The API key lives in sessionStorage: it is gone when the tab closes and never shared with
 * other tabs or written to disk the way localStorage is.
 */
const KEY = 'im.apiKey';
export const session = {
  get: () => sessionStorage.getItem(KEY),
  set: (k: string) => sessionStorage.setItem(KEY, k),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: unknown) {
    super(message);
  }
}

async function request(method: string, path: string, body?: unknown, key = session.get()): Promise<Response> {
  const res = await fetch(path, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    let e: any = {};
    try {
      e = (await res.json()).error ?? {};
    } catch { /* not JSON */ }
    if (res.status === 401) window.dispatchEvent(new CustomEvent('im:unauthorized'));
    throw new ApiFailure(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? res.statusText, e.details);
  }
  return res;
}

export const api = {
  get: async <T = any>(path: string, key?: string): Promise<T> => (await request('GET', path, undefined, key ?? session.get())).json(),
  post: async <T = any>(path: string, body: unknown = {}): Promise<T> => (await request('POST', path, body)).json(),
  blob: async (path: string): Promise<Blob> => (await request('GET', path)).blob(),
};

export interface Envelope { id: string; type: string; runId: string; occurredAt: string; payload: any; seq?: number }

/**
 * Server-sent events through the `eventsource` package, because the browser's own EventSource
 * cannot send an Authorization header. It reconnects with Last-Event-ID by itself.
 */
export function subscribe(path: string, onEvent: (e: Envelope) => void, onState?: (live: boolean) => void): () => void {
  const key = session.get();
  const es = new EventSource(path, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers ?? {}), authorization: `Bearer ${key}` } }),
  });
  es.onopen = () => onState?.(true);
  es.onerror = () => onState?.(false);
  es.onmessage = (m) => {
    try {
      onEvent({ ...JSON.parse(m.data), seq: Number(m.lastEventId) });
    } catch { /* ignore frames that are not envelopes */ }
  };
  return () => es.close();
}

/** Saves a download (dossier, artifact) fetched with the key, without putting the key in a URL. */
export async function saveAs(path: string, filename: string) {
  const url = URL.createObjectURL(await api.blob(path));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
