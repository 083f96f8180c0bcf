import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
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


/**
 * A refresh counter that events bump at most once per `ms` (first bump at once, the last one of a
 * burst never lost). Throttled, not debounced: a debounce would hold every update back until a
 * busy run paused for breath, so nothing would move on screen while the run is busiest.
 */
export function useThrottledTick(ms: number): [number, () => void] {
  const [tick, setTick] = useState(0);
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const bump = useCallback(() => {
    if (timer.current) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    timer.current = setTimeout(() => {
      timer.current = undefined;
      last.current = Date.now();
      setTick((n) => n + 1);
    }, wait);
  }, [ms]);
  return [tick, bump];
}
