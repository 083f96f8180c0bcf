/**
 * Message counts from nats-server's HTTP monitoring endpoint (`-m <port>`).
 *
 * /varz `in_msgs` counts messages the server received from clients (every publish, JetStream API
 * request, ack, pull request, KV/Object Store operation); `out_msgs` counts messages it delivered
 * to clients (consumer deliveries, publish acks, API replies, subscription deliveries). The bench
 * reports in_msgs per task as the headline `natsMsgsPerTask` (what the services *sent*: one
 * figure that does not grow with how many watchers read the stream) and out_msgs beside it.
 * /connz splits in_msgs by connection name, which tells which service sends what.
 */

export interface VarzCounts {
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
}

export interface ConnCounts {
  cid: number;
  name: string;
  inMsgs: number;
  outMsgs: number;
}

export function parseVarz(body: unknown): VarzCounts {
  const v = body as Record<string, unknown>;
  const num = (k: string) => {
    const x = v?.[k];
    if (typeof x !== 'number') throw new Error(`/varz has no numeric ${k}`);
    return x;
  };
  return { inMsgs: num('in_msgs'), outMsgs: num('out_msgs'), inBytes: num('in_bytes'), outBytes: num('out_bytes') };
}

export function varzDelta(before: VarzCounts, after: VarzCounts): VarzCounts {
  const d = (k: keyof VarzCounts) => {
    const x = after[k] - before[k];
    // Counters only go up; a drop means the server restarted between the two reads.
    if (x < 0) throw new Error(`varz ${k} went down (${before[k]} -> ${after[k]}): nats-server restarted during the window`);
    return x;
  };
  return { inMsgs: d('inMsgs'), outMsgs: d('outMsgs'), inBytes: d('inBytes'), outBytes: d('outBytes') };
}

export function parseConnz(body: unknown): ConnCounts[] {
  const conns = (body as { connections?: unknown[] })?.connections;
  if (!Array.isArray(conns)) throw new Error('/connz has no connections array');
  return conns.map((c) => {
    const x = c as Record<string, unknown>;
    return { cid: Number(x.cid), name: typeof x.name === 'string' && x.name !== '' ? x.name : `cid ${String(x.cid)}`, inMsgs: Number(x.in_msgs ?? 0), outMsgs: Number(x.out_msgs ?? 0) };
  });
}

/**
 * in/out messages per connection name over a window. A connection that opened during the window
 * counts from zero; one that closed is missing (its messages stay in the /varz totals).
 */
export function connzDelta(before: readonly ConnCounts[], after: readonly ConnCounts[], label: (name: string) => string = (n) => n): Record<string, { inMsgs: number; outMsgs: number }> {
  const prev = new Map(before.map((c) => [c.cid, c]));
  const out: Record<string, { inMsgs: number; outMsgs: number }> = {};
  for (const c of after) {
    const p = prev.get(c.cid);
    const key = label(c.name);
    const acc = (out[key] ??= { inMsgs: 0, outMsgs: 0 });
    acc.inMsgs += c.inMsgs - (p?.inMsgs ?? 0);
    acc.outMsgs += c.outMsgs - (p?.outMsgs ?? 0);
  }
  return out;
}

async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

export class NatsMonitor {
  /** @param baseUrl e.g. http://127.0.0.1:8222 */
  constructor(readonly baseUrl: string, private readonly timeoutMs = 2000) {}

  async varz(): Promise<VarzCounts> {
    return parseVarz(await getJson(`${this.baseUrl}/varz`, this.timeoutMs));
  }

  async connz(): Promise<ConnCounts[]> {
    return parseConnz(await getJson(`${this.baseUrl}/connz?limit=4096`, this.timeoutMs));
  }
}
