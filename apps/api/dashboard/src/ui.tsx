import { useCallback, useState } from 'preact/hooks';
import type { ApiFailure } from './api';

export const go = (path: string) => {
  location.hash = `#/${path}`;
};

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as ApiFailure;
  return <p class="error" role="alert">{e.code ? `${e.code}: ` : ''}{e.message ?? String(error)}</p>;
}

export function Status({ s }: { s: string }) {
  return <span class={`status status-${s}`}>{s}</span>;
}

export const when = (iso?: string | null) => (iso ? new Date(iso).toLocaleString() : '—');
export const usd = (n?: number) => (n === undefined || n === null ? '—' : `$${Number(n).toFixed(4)}`);

/** Runs an action, shows its error, and reports success through `done`. */
export function useAction() {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (f: () => Promise<unknown>, done?: (r: any) => void) => {
    setBusy(true);
    setError(null);
    try {
      done?.(await f());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }, []);
  return { error, busy, run };
}

