import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A local HTTP server that answers model-provider requests from recorded wire fixtures
 * (libs/agents/fixtures/providers), so provider tests run the official SDKs over real HTTP and
 * SSE without a network or a key. Responses are queued per test, in order; every request is
 * kept for assertions. It listens on 127.0.0.1 only.
 */

export const PROVIDER_FIXTURES = join(__dirname, '..', '..', 'fixtures', 'providers');

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface QueuedResponse {
  /** A file under the fixture folder: `*.json` ({status, headers, body}) or `*.sse` (raw event stream). */
  fixture: string;
  /** Wait this long before sending headers (per-call timeout tests). */
  delayMs?: number;
  /** Wait this long between SSE events (progress tests; stalled streams). */
  eventDelayMs?: number;
  /** Send only the first N SSE events, then hold the connection open without ending it. */
  stallAfterEvents?: number;
}

interface JsonFixture {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

// Unref'd: a delayed answer to a client that already gave up must not keep the test process alive.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

export class FixtureServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: QueuedResponse[] = [];
  private readonly open = new Set<ServerResponse>();

  private constructor(private readonly server: Server, readonly url: string, private readonly dir: string) {}

  static async start(dir = PROVIDER_FIXTURES): Promise<FixtureServer> {
    const holder: { self?: FixtureServer } = {};
    const server = createServer((req, res) => void holder.self!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.self = new FixtureServer(server, `http://127.0.0.1:${port}`, dir);
    return holder.self;
  }

  enqueue(...responses: (QueuedResponse | string)[]): this {
    for (const r of responses) this.queue.push(typeof r === 'string' ? { fixture: r } : r);
    return this;
  }

  /** Responses queued but never asked for: a test that leaves some has sent fewer requests than it meant to. */
  pending(): string[] {
    return this.queue.map((q) => q.fixture);
  }

  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // keep the raw text: a test can assert on it
    }
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
    const next = this.queue.shift();
    if (!next) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'fixture_server', message: `no response queued for ${req.method} ${req.url}` } }));
      return;
    }
    if (next.delayMs) await sleep(next.delayMs);
    if (res.destroyed) return;
    const text = readFileSync(join(this.dir, next.fixture), 'utf8');
    if (next.fixture.endsWith('.json')) {
      const f = JSON.parse(text) as JsonFixture;
      res.writeHead(f.status, { 'content-type': 'application/json', ...(f.headers ?? {}) });
      res.end(JSON.stringify(f.body));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const events = text.split(/\r?\n\r?\n/).filter((e) => e.trim());
    for (let i = 0; i < events.length; i++) {
      if (next.stallAfterEvents !== undefined && i >= next.stallAfterEvents) return; // leave it hanging
      if (i > 0 && next.eventDelayMs) await sleep(next.eventDelayMs);
      if (res.destroyed) return;
      res.write(`${events[i]}\n\n`);
    }
    res.end();
  }
}
