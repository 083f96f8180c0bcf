import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import { loadJetStreamSpec, provisionJetStream } from '@ideamine/jetstream';
import { projectStream, readModelChecksums, ReadModelProjector } from '@ideamine/persistence';
import { useTestInfra } from '../../../../test/harness';
import { EventScript, generateWorkload, migratedDataSource, publishMessages } from '../../../../libs/persistence/src/testing';
import { replayCommand } from './replay';

/** `ideamine replay` in-process: progress with events/s and ETA, a summary, exit codes. */
describe('ideamine replay', () => {
  const infra = useTestInfra();
  let nc: NatsConnection;
  let ds: DataSource;
  let out: string[];
  let err: string[];
  const workload = generateWorkload({ runs: 3, seed: 8, faults: true });

  beforeAll(async () => {
    nc = await connect({ servers: infra().natsUrl });
    await provisionJetStream(await nc.jetstreamManager(), nc.jetstream(), loadJetStreamSpec(join(__dirname, '..', '..', '..', '..', 'deploy', 'nats', 'jetstream.yaml')));
    await publishMessages(nc.jetstream(), workload);
    ds = await migratedDataSource(infra().databaseUrl);
    await projectStream(nc.jetstream(), new ReadModelProjector(ds));
    Object.assign(process.env, { NATS_URL: infra().natsUrl, DATABASE_URL: infra().databaseUrl });
  });
  afterAll(async () => {
    await ds?.destroy();
    await nc?.close();
  });
  beforeEach(() => {
    out = [];
    err = [];
    jest.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
    jest.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
    process.exitCode = undefined;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('rebuilds and swaps in, showing progress (events/s, ETA) and a summary naming skipped unknown types', async () => {
    const live = await readModelChecksums(ds);
    await replayCommand({ progress: true, batch: '200' });
    expect(process.exitCode).toBeUndefined();
    expect(err.join('')).toMatch(/replay .*\| seq \d+\/\d+ \| [\d,]+ events\/s \| ETA /);
    const summary = out.join('\n');
    expect(summary).toMatch(new RegExp(`up to seq ${workload.length} `));
    expect(summary).toMatch(/skipped events of unknown types: ops\.annotated x\d+/);
    expect(summary).toMatch(new RegExp(`${workload.filter((m) => m.kind === 'duplicate').length} duplicates left out`));
    expect(await readModelChecksums(ds)).toEqual(live);
  });

  it('stops at a poison event with its sequence, type and reason, exit code 3', async () => {
    const s = new EventScript();
    s.add('task.claimed', 'tp', { taskId: 'tp', phase: 'intake', agent: 'IdeaParserAgent', attempt: 4_000_000_000, workerId: 'w', leaseMs: 1, resumedFromStep: 0 });
    const [m] = s.messages();
    await nc.jetstream().publish(m.subject, m.data, { msgID: m.msgId });
    await replayCommand({ progress: false, projection: ['tasks'] });
    expect(process.exitCode).toBe(3);
    expect(err.join('\n')).toContain(`replay stopped at stream seq ${workload.length + 1}, event task.claimed`);
    expect(err.join('\n')).toMatch(/out of range for type integer/);
  });

  it('names the read models when asked for one that does not exist', async () => {
    await replayCommand({ progress: false, projection: ['nope'] });
    expect(process.exitCode).toBe(1);
    expect(err.join('\n')).toMatch(/IM_UNKNOWN_PROJECTION.*no read model named "nope"; known: events, ledger, runs/);
  });
});
