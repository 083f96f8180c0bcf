import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, Events, StringCodec, type NatsConnection } from 'nats';
import { ServerStartError } from './errors';
import { startNatsServer, type NatsServerHandle } from './nats-server';
import { spawnedCount } from './process-registry';
import { isAlive } from './process-tree';

const codec = StringCodec();

describe('startNatsServer (real nats-server)', () => {
  let tmpDir: string;
  let server: NatsServerHandle | undefined;
  let connection: NatsConnection | undefined;

  beforeEach(() => {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ideamine-devstack-nats-'));
  });

  afterEach(async () => {
    await connection?.close().catch(() => undefined);
    await server?.stop();
    connection = server = undefined;
    fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it('keeps an acknowledged JetStream message across kill -9 and restart', async () => {
    server = await startNatsServer({ dir: tmpDir });
    connection = await connect({ servers: server.url });
    const jsm = await connection.jetstreamManager();
    await jsm.streams.add({ name: 'DEVSTACK_TEST', subjects: ['devstack.test.>'] });
    const ack = await connection.jetstream().publish('devstack.test.one', codec.encode('survives a crash'));
    await connection.close();
    connection = undefined;

    const pidBeforeCrash = server.pid;
    await server.kill();
    expect(isAlive(pidBeforeCrash)).toBe(false);
    await server.restart();
    expect(server.pid).not.toBe(pidBeforeCrash);

    connection = await connect({ servers: server.url });
    const jsmAfter = await connection.jetstreamManager();
    const stored = await jsmAfter.streams.getMessage('DEVSTACK_TEST', { seq: ack.seq });
    expect(stored.subject).toBe('devstack.test.one');
    expect(codec.decode(stored.data)).toBe('survives a crash');
    expect((await jsmAfter.streams.info('DEVSTACK_TEST')).state.messages).toBe(1);
  });

  it('lets a connected client reconnect by itself after a restart on the same port', async () => {
    server = await startNatsServer({ dir: tmpDir });
    connection = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const reconnected = waitForStatus(connection, Events.Reconnect);
    await server.kill();
    await server.restart();
    await reconnected;
    await connection.flush(); // a round trip on the reconnected socket
    expect(connection.isClosed()).toBe(false);
  });

  it('stop() ends the process and unregisters it', async () => {
    const before = spawnedCount();
    server = await startNatsServer({ dir: tmpDir });
    const pid = server.pid;
    expect(spawnedCount()).toBe(before + 1);
    await server.stop();
    expect(isAlive(pid)).toBe(false);
    expect(spawnedCount()).toBe(before);
  });

  it('fails fast with the log tail when the port is taken', async () => {
    server = await startNatsServer({ dir: path.join(tmpDir, 'first') });
    const started = Date.now();
    const error = await startNatsServer({ dir: path.join(tmpDir, 'second'), port: server.port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerStartError);
    expect((error as ServerStartError).code).toBe('IM_SERVER_START_FAILED');
    expect((error as ServerStartError).message).toMatch(/address already in use/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

async function waitForStatus(connection: NatsConnection, type: Events): Promise<void> {
  for await (const status of connection.status()) {
    if (status.type === type) return;
  }
}
