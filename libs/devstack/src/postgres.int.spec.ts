import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidDatabaseNameError } from './errors';
import { withPgClient } from './pg-client';
import { startPostgres, type PostgresHandle } from './postgres';
import { descendantPids, isAlive } from './process-tree';

describe('startPostgres (real postgres)', () => {
  let tmpDir: string;
  let server: PostgresHandle | undefined;

  beforeAll(() => {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ideamine-devstack-pg-'));
    // As root, postgres runs as the `postgres` user, which must be able to enter this dir.
    fs.chmodSync(tmpDir, 0o755);
  });

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  afterAll(() => {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it('keeps a committed row across kill -9 of the whole server and restart', async () => {
    // fsync off is still crash-safe for a killed process: its writes are in the OS page cache.
    server = await startPostgres({ dir: path.join(tmpDir, 'crash'), fsync: false });
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/ideamine`);
    await withPgClient(server.url, async (client) => {
      await client.query('CREATE TABLE survivor (id int PRIMARY KEY, note text NOT NULL)');
      await client.query('INSERT INTO survivor VALUES (1, $1)', ['committed before the crash']);
    });

    const postmaster = server.pid;
    const backends = descendantPids(postmaster);
    expect(backends.length).toBeGreaterThan(0); // checkpointer, walwriter, ...
    await server.kill();
    expect([postmaster, ...backends].filter(isAlive)).toEqual([]);

    await server.restart();
    expect(server.pid).not.toBe(postmaster);
    const rows = await withPgClient(server.url, (client) => client.query('SELECT id, note FROM survivor'));
    expect(rows.rows).toEqual([{ id: 1, note: 'committed before the crash' }]);
    expect(fs.readFileSync(server.logFile, 'utf8')).toMatch(/database system was interrupted|not properly shut down/);
  });

  it('reuses an existing data dir on a fresh start instead of running initdb again', async () => {
    const dir = path.join(tmpDir, 'reuse');
    server = await startPostgres({ dir, fsync: false });
    await withPgClient(server.url, (client) => client.query('CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)'));
    await server.stop();

    server = await startPostgres({ dir, fsync: false });
    const rows = await withPgClient(server.url, (client) => client.query('SELECT v FROM kept'));
    expect(rows.rows).toEqual([{ v: 42 }]);
  });

  it('createDatabase gives an empty, usable database and dropDatabase removes it', async () => {
    server = await startPostgres({ dir: path.join(tmpDir, 'databases'), fsync: false });
    await withPgClient(server.url, (client) => client.query('CREATE TABLE only_in_ideamine (v int)'));

    const url = await server.createDatabase('scratch_one');
    expect(url).toBe(`postgres://postgres@127.0.0.1:${server.port}/scratch_one`);
    const tables = await withPgClient(url, async (client) => {
      await client.query('CREATE TABLE t (v int); INSERT INTO t VALUES (7)');
      expect((await client.query('SELECT v FROM t')).rows).toEqual([{ v: 7 }]);
      return client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
    });
    expect(tables.rows).toEqual([{ table_name: 't' }]);

    await server.dropDatabase('scratch_one');
    const exists = await withPgClient(server.adminUrl, (client) =>
      client.query("SELECT 1 FROM pg_database WHERE datname = 'scratch_one'"),
    );
    expect(exists.rows).toEqual([]);
    await expect(server.createDatabase('bad"; DROP DATABASE ideamine; --')).rejects.toBeInstanceOf(
      InvalidDatabaseNameError,
    );
  });

  it('starts from a data dir whose path is too long for a Unix socket', async () => {
    const deepDir = path.join(tmpDir, 'a-directory-name-long-enough-'.repeat(3), 'pg');
    expect(path.join(deepDir, 'data', '.s.PGSQL.65535').length).toBeGreaterThan(107);
    server = await startPostgres({ dir: deepDir, fsync: false });
    const rows = await withPgClient(server.url, (client) => client.query('SELECT 1 AS one'));
    expect(rows.rows).toEqual([{ one: 1 }]);
  });
});
