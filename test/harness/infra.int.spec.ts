import * as fs from 'node:fs';
import { connect } from 'nats';
import { withPgClient } from '@ideamine/devstack';
import { startTestInfra } from './infra';
import { useTestInfra } from './use-test-infra';

describe('useTestInfra', () => {
  const infra = useTestInfra();

  it('gives a reachable NATS and a usable Postgres database', async () => {
    const nc = await connect({ servers: infra().natsUrl });
    await nc.flush();
    await nc.close();
    const result = await withPgClient(infra().databaseUrl, (client) => client.query('SELECT current_database() AS db'));
    expect(result.rows).toHaveLength(1);
  });

  it('creates separate empty databases on demand', async () => {
    const url = await infra().createDatabase(`harness_${process.pid}`);
    const tables = await withPgClient(url, (client) =>
      client.query("SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'"),
    );
    expect(tables.rows).toEqual([]);
  });
});

describe('startTestInfra', () => {
  it('stop() removes its temp dir and is safe to call twice', async () => {
    const infra = await startTestInfra();
    expect(fs.existsSync(infra.tmpDir)).toBe(true);
    await Promise.all([infra.stop(), infra.stop()]);
    expect(fs.existsSync(infra.tmpDir)).toBe(process.env.IM_KEEP_TEST_DIRS === '1');
  });
});
