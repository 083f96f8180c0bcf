import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLocalStack } from './local-stack';
import { startNatsServer } from './nats-server';
import { withPgClient } from './pg-client';
import { startPostgres } from './postgres';
import { isAlive } from './process-tree';

describe('startLocalStack', () => {
  let baseDir: string;

  beforeEach(() => {
    baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ideamine-devstack-stack-'));
    fs.chmodSync(baseDir, 0o755); // as root, postgres runs as `postgres` and must enter it
  });

  afterEach(() => {
    fs.rmSync(baseDir, { recursive: true, force: true });
  });

  it('starts private servers under baseDir and reuses their data on the next start', async () => {
    const first = await startLocalStack({ baseDir, fsync: false, env: {} });
    expect(first.nats?.storeDir).toBe(path.join(baseDir, 'nats', 'jetstream'));
    expect(first.postgres?.dataDir).toBe(path.join(baseDir, 'pg', 'data'));
    await withPgClient(first.databaseUrl, (client) => client.query('CREATE TABLE demo_state (v int)'));
    await first.stop();
    expect(isAlive(first.nats?.pid ?? -1)).toBe(false);
    expect(isAlive(first.postgres?.pid ?? -1)).toBe(false);

    const second = await startLocalStack({ baseDir, fsync: false, env: {} });
    try {
      const rows = await withPgClient(second.databaseUrl, (client) => client.query('SELECT count(*)::int AS n FROM demo_state'));
      expect(rows.rows).toEqual([{ n: 0 }]);
    } finally {
      await second.stop();
    }
  });

  it('uses NATS_URL / DATABASE_URL as given, starts nothing, and leaves them running on stop', async () => {
    // Stand-ins for external servers (never the machine's own 4222 / 5432).
    const externalNats = await startNatsServer({ dir: path.join(baseDir, 'external-nats') });
    const externalPg = await startPostgres({ dir: path.join(baseDir, 'external-pg'), fsync: false });
    try {
      const stack = await startLocalStack({
        baseDir: path.join(baseDir, 'unused'),
        env: { NATS_URL: externalNats.url, DATABASE_URL: externalPg.url },
      });
      expect(stack).toMatchObject({ natsUrl: externalNats.url, databaseUrl: externalPg.url });
      expect(stack.nats).toBeUndefined();
      expect(stack.postgres).toBeUndefined();
      expect(fs.existsSync(path.join(baseDir, 'unused'))).toBe(false);
      await stack.stop();
      expect(isAlive(externalNats.pid)).toBe(true);
      expect(isAlive(externalPg.pid)).toBe(true);
    } finally {
      await Promise.all([externalNats.stop(), externalPg.stop()]);
    }
  });

  it('stops the server that did start when the other one fails', async () => {
    // A file where the postgres dir should be makes startPostgres fail.
    fs.writeFileSync(path.join(baseDir, 'pg'), 'not a directory');
    const error = await startLocalStack({ baseDir, env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EEXIST' });
    const natsLog = fs.readFileSync(path.join(baseDir, 'nats', 'nats.log'), 'utf8');
    const pid = Number(/^\[(\d+)\]/m.exec(natsLog)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  });
});
