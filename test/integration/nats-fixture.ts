import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { NatsServerHandle, startNatsServer } from '@ideamine/devstack';
import { loadJetStreamSpec, provisionJetStream, NatsResources } from '@ideamine/jetstream';
import { createLogger } from '@ideamine/telemetry';

/** A private nats-server per test file, provisioned from deploy/nats/jetstream.yaml. */
export function useProvisionedNats() {
  let server: NatsServerHandle | undefined;
  let nc: NatsConnection | undefined;
  let dir = '';
  const external = process.env.NATS_URL;
  beforeAll(async () => {
    if (!external) {
      dir = mkdtempSync(join(tmpdir(), 'ideamine-nats-'));
      server = await startNatsServer({ dir });
    }
    nc = await connect({ servers: external ?? server!.url });
    await provisionJetStream(await nc.jetstreamManager(), nc.jetstream(), loadJetStreamSpec(join(__dirname, '..', '..', 'deploy', 'nats', 'jetstream.yaml')));
  }, 30_000);
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    url: () => external ?? server!.url,
    server: () => server,
    async resources(): Promise<NatsResources> {
      return { nc: nc!, js: nc!.jetstream(), jsm: await nc!.jetstreamManager(), logger: createLogger('test', 'silent') };
    },
  };
}
