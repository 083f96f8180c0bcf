/**
 * Runs a private nats-server with deploy/nats/nats-server.conf and checks the permission model
 * against the contracts: every aggregate kind in AGGREGATES may be published by its owner only,
 * every command in COMMAND_CATALOG by its senders only, every KV bucket of the JetStream spec by its
 * writer only; the tap user only reads (the live feed, and IM_EVENTS through ordered consumers);
 * services cannot create, drop or purge streams.
 * If the conf and the contracts drift apart, this fails.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AckPolicy, connect, DeliverPolicy, ErrorCode, Events, NatsConnection, NatsError } from 'nats';
import { AGGREGATES, AggregateKind, COMMAND_CATALOG, CommandName, STREAMS, subjects } from '@ideamine/contracts';
import { findNatsServer, freePort } from '@ideamine/devstack';
import { loadJetStreamSpec, provisionJetStream } from '../../libs/jetstream/src/provisioning';

const ROOT = resolve(__dirname, '..', '..');
const SPEC = join(ROOT, 'deploy/nats/jetstream.yaml');
const SERVICES = readdirSync(join(ROOT, 'apps')).filter((d) => d !== 'cli' && statSync(join(ROOT, 'apps', d)).isDirectory()).sort();
const USERS = [...SERVICES, 'cli', 'tap'];
const RUN = 'r1';
const data = (s = 'x') => Buffer.from(JSON.stringify({ test: s }));

/** Who sends each command (the callers of EventPublisher.sendCommand in apps/, and the deciders' commands). */
const SENDERS: Record<CommandName, string[]> = {
  'submit-run': ['api'], 'cancel-run': ['api'], 'pause-run': ['api'], 'resume-run': ['api'], 'extend-budget': ['api'],
  'grant-waiver': ['api'], 'revoke-waiver': ['api'], 'retry-task': ['api'],
  'compile-dossier': ['api', 'dossier'],
  'run-task': ['scheduler'],
};
const DECIDERS = ['planner', 'scheduler', 'gatekeeper', 'supervisor', 'dossier'];
/** Which services write each KV bucket (the only users allowed to publish on $KV.<bucket>.>). */
const KV_WRITERS: Record<string, string[]> = {
  'im-decider-state': DECIDERS, 'im-leases': DECIDERS, 'im-checkpoints': ['worker'], 'im-api-idempotency': ['api'],
};
const ARTIFACT_WRITERS = ['scheduler', 'worker', 'dossier'];
const ARTIFACT_READERS = ['api', 'gatekeeper', 'scheduler', 'worker', 'dossier'];
/** Services with durable consumers or a stream follower: they may dead-letter. */
const DEAD_LETTERERS = SERVICES.filter((s) => s !== 'api');

let server: ChildProcess | undefined;
let dir: string;
let url: string;
const passwords = Object.fromEntries(USERS.map((u) => [u, `p${randomBytes(12).toString('hex')}`]));
const conns = new Map<string, NatsConnection>();
const passwordVar = (user: string) => `NATS_${user.toUpperCase().replace(/-/g, '_')}_PASSWORD`;

async function as(user: string): Promise<NatsConnection> {
  let nc = conns.get(user);
  if (!nc || nc.isClosed()) {
    nc = await connect({ servers: url, user, pass: passwords[user], name: `deploy-test-${user}`, reconnect: false });
    conns.set(user, nc);
  }
  return nc;
}

const isPermissionError = (err: unknown) =>
  err instanceof NatsError ? err.code === ErrorCode.PermissionsViolation : /permissions violation/i.test(String((err as Error)?.message));

/** 'ok' if the call succeeds, 'denied' on a permissions violation, the error otherwise. */
const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(() => 'ok', (err) => (isPermissionError(err) ? 'denied' : `error ${(err as Error).message}`));

/** JetStream publish (a request): resolves 'ok' with the ack, 'denied' on a permissions violation. */
async function jsPublish(user: string, subject: string, msgID?: string): Promise<'ok' | 'denied'> {
  const nc = await as(user);
  try {
    await nc.jetstream().publish(subject, data(subject), { msgID: msgID ?? randomBytes(8).toString('hex'), timeout: 3000 });
    return 'ok';
  } catch (err) {
    if (isPermissionError(err)) return 'denied';
    throw err;
  }
}

/** Collects the permission errors the server reports on this connection. */
function watchViolations(nc: NatsConnection): Array<{ operation: string; subject: string }> {
  const seen: Array<{ operation: string; subject: string }> = [];
  void (async () => {
    for await (const s of nc.status()) {
      const ctx = (s as unknown as { permissionContext?: { operation: string; subject: string } }).permissionContext;
      if (s.type === Events.Error && s.data === ErrorCode.PermissionsViolation && ctx) seen.push(ctx);
    }
  })();
  return seen;
}

async function eventually(check: () => boolean, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'im-nats-perm-'));
  const confFile = join(dir, 'nats-server.conf');
  copyFileSync(join(ROOT, 'deploy/nats/nats-server.conf'), confFile);
  const port = await freePort();
  const monitor = await freePort();
  const log = openSync(join(dir, 'nats.log'), 'a');
  // Command-line flags override the conf's port, monitoring port and store directory.
  server = spawn(findNatsServer(), ['-c', confFile, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitor), '-js', '-sd', join(dir, 'js')], {
    env: { ...process.env, ...Object.fromEntries(USERS.map((u) => [passwordVar(u), passwords[u]])) },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`nats-server exited ${server.exitCode}:\n${readFileSync(join(dir, 'nats.log'), 'utf8')}`);
    const status = await fetch(`http://127.0.0.1:${monitor}/healthz`).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (Date.now() > deadline) throw new Error(`nats-server not healthy:\n${readFileSync(join(dir, 'nats.log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // The cli user provisions the real spec (as `ideamine provision` does in production).
  const cli = await as('cli');
  const report = await provisionJetStream(await cli.jetstreamManager(), cli.jetstream(), loadJetStreamSpec(SPEC));
  expect(report.every((l) => l.action === 'created')).toBe(true);
}, 20_000);

afterAll(async () => {
  await Promise.all([...conns.values()].map((nc) => nc.close().catch(() => undefined)));
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('nats-server.conf on a real nats-server', () => {
  it('has a user for every service, cli and tap; wrong or missing passwords are refused', async () => {
    for (const user of USERS) expect((await as(user)).info?.server_name).toBe('ideamine-nats');
    await expect(connect({ servers: url, user: 'worker', pass: 'wrong', reconnect: false })).rejects.toMatchObject({ code: ErrorCode.AuthorizationViolation });
    await expect(connect({ servers: url, reconnect: false })).rejects.toMatchObject({ code: ErrorCode.AuthorizationViolation });
  });

  it('worker: JetStream publish to im.evt.r1.task.t1 is allowed, a core publish to im.evt.r1.run._ is a permissions violation', async () => {
    expect(await jsPublish('worker', subjects.event(RUN, 'task', 't1'))).toBe('ok');
    const nc = await as('worker');
    const violations = watchViolations(nc);
    nc.publish(subjects.event(RUN, 'run'), data());
    await nc.flush();
    expect(await eventually(() => violations.some((v) => v.operation === 'publish' && v.subject === 'im.evt.r1.run._'))).toBe(true);
    expect(nc.isClosed()).toBe(false); // a violation is reported, the connection stays up
  });

  it.each(Object.keys(AGGREGATES) as AggregateKind[])('events of kind %s: only its owner (AGGREGATES) may publish', async (kind) => {
    const owner = AGGREGATES[kind];
    const subject = subjects.event(RUN, kind, 'x');
    expect(await jsPublish(owner, subject)).toBe('ok');
    for (const other of USERS.filter((u) => u !== owner)) {
      expect(`${other} -> ${subject}: ${await jsPublish(other, subject)}`).toBe(`${other} -> ${subject}: denied`);
    }
  });

  it('the command-sender table covers the whole COMMAND_CATALOG', () => {
    expect(Object.keys(SENDERS).sort()).toEqual(Object.keys(COMMAND_CATALOG).sort());
  });

  it.each(Object.keys(COMMAND_CATALOG) as CommandName[])('command %s: only its senders may publish it', async (name) => {
    const service = COMMAND_CATALOG[name].service;
    // Commands for deciders travel in the run's log (ADR 0005); the rest through IM_CMD.
    const subject = name === 'run-task' ? subjects.workerPool('default') : COMMAND_CATALOG[name].via === 'log' ? subjects.event(RUN, 'cmd', service) : subjects.command(service, name);
    for (const user of USERS) {
      const expected = SENDERS[name].includes(user) ? 'ok' : 'denied';
      expect(`${user} -> ${subject}: ${await jsPublish(user, subject)}`).toBe(`${user} -> ${subject}: ${expected}`);
    }
  });

  it('heartbeats: only the worker; dead letters: every consuming service, not api, cli or tap', async () => {
    for (const user of USERS) {
      expect(`${user} hb: ${await jsPublish(user, subjects.heartbeat(RUN, 't1'))}`).toBe(`${user} hb: ${user === 'worker' ? 'ok' : 'denied'}`);
      const dlq = DEAD_LETTERERS.includes(user) ? 'ok' : 'denied';
      expect(`${user} dlq: ${await jsPublish(user, subjects.deadLetter(STREAMS.commands))}`).toBe(`${user} dlq: ${dlq}`);
    }
  });

  it('KV buckets of the JetStream spec: only the owning service may write', async () => {
    const buckets = loadJetStreamSpec(SPEC).kv.map((b) => b.bucket).sort();
    expect(Object.keys(KV_WRITERS).sort()).toEqual(buckets);
    for (const bucket of buckets) {
      for (const user of SERVICES) {
        const kv = await (await as(user)).jetstream().views.kv(bucket);
        expect(`${user} -> ${bucket}: ${await outcome(kv.put(`k-${user}`, data()))}`).toBe(`${user} -> ${bucket}: ${KV_WRITERS[bucket].includes(user) ? 'ok' : 'denied'}`);
      }
    }
  });

  it('artifacts object store: writers put, readers (api, gatekeeper...) read through an ordered consumer', async () => {
    const bucket = loadJetStreamSpec(SPEC).objectStores[0].bucket;
    // 3 MiB: large enough that the server asks the reader for flow control ($JS.FC...): without that
    // grant a read stalls forever (a 300 KiB object would not notice).
    const content = Buffer.alloc(3 * 1024 * 1024, 7);
    for (const user of SERVICES) {
      const os = await (await as(user)).jetstream().views.os(bucket);
      expect(`${user} put: ${await outcome(os.putBlob({ name: `obj-${user}` }, content))}`).toBe(`${user} put: ${ARTIFACT_WRITERS.includes(user) ? 'ok' : 'denied'}`);
    }
    for (const user of ARTIFACT_READERS) {
      const os = await (await as(user)).jetstream().views.os(bucket);
      const read = await Promise.race([os.getBlob('obj-worker').then((b) => b?.length), new Promise((r) => setTimeout(() => r('stalled'), 5000).unref())]);
      expect(`${user} read ${read}`).toBe(`${user} read ${content.length}`);
    }
  });

  it('a consuming service can pull and ack on its durable (acks need $JS.ACK)', async () => {
    expect(await jsPublish('api', subjects.command('planner', 'submit-run'), 'ack-test')).toBe('ok');
    const planner = await as('planner');
    await (await planner.jetstreamManager()).consumers.add(STREAMS.commands, { durable_name: 'planner-commands', ack_policy: AckPolicy.Explicit, filter_subject: subjects.serviceCommands('planner') });
    const consumer = await planner.jetstream().consumers.get(STREAMS.commands, 'planner-commands');
    let acked = 0;
    for (;;) {
      const m = await consumer.next({ expires: 1000 });
      if (!m) break;
      expect(await m.ackAck()).toBe(true);
      acked++;
    }
    expect(acked).toBeGreaterThan(0);
    const info = await consumer.info();
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  });

  it('deciders read IM_EVENTS from any sequence through an ordered consumer (no durable, nothing to ack)', async () => {
    expect(await jsPublish('gatekeeper', subjects.event(RUN, 'gate', 'ordered'))).toBe('ok');
    for (const user of DECIDERS) {
      const consumer = await (await as(user)).jetstream().consumers.get(STREAMS.events, { filterSubjects: subjects.allEvents, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
      const m = await consumer.next({ expires: 2000 });
      expect(`${user}: ${m?.seq}`).toBe(`${user}: 1`);
    }
  });

  it('services cannot create, delete, reconfigure or purge streams', async () => {
    for (const user of SERVICES) {
      const jsm = await (await as(user)).jetstreamManager();
      const live = await jsm.streams.info(STREAMS.events);
      expect(`${user} delete: ${await outcome(jsm.streams.delete(STREAMS.events))}`).toBe(`${user} delete: denied`);
      expect(`${user} purge: ${await outcome(jsm.streams.purge(STREAMS.commands))}`).toBe(`${user} purge: denied`);
      expect(`${user} update: ${await outcome(jsm.streams.update(STREAMS.events, { ...live.config, deny_delete: false }))}`).toBe(`${user} update: denied`);
      // A stream that republishes would let a service put messages on subjects it does not own.
      const forger = jsm.streams.add({ name: `FORGE_${user.replace(/-/g, '_')}`, subjects: [`_INBOX.forge-${user}.>`], republish: { src: `_INBOX.forge-${user}.>`, dest: `im.evt.${RUN}.run.>` } });
      expect(`${user} create: ${await outcome(forger)}`).toBe(`${user} create: denied`);
    }
    const cli = await (await as('cli')).jetstreamManager();
    expect((await cli.streams.info(STREAMS.events)).config.deny_delete).toBe(true);
    expect((await cli.streams.list().next()).map((si) => si.config.name).filter((n) => n.startsWith('FORGE'))).toEqual([]);
  });

  it('only the supervisor may delete a (poison) message from IM_CMD; nobody may delete a dead letter', async () => {
    const cmd = await (await as('scheduler')).jetstream().publish(subjects.workerPool('poison'), data('poison'));
    const dead = await (await as('worker')).jetstream().publish(subjects.deadLetter(STREAMS.commands), data('dead'));
    for (const user of SERVICES.filter((u) => u !== 'supervisor')) {
      const jsm = await (await as(user)).jetstreamManager();
      expect(`${user}: ${await outcome(jsm.streams.deleteMessage(STREAMS.commands, cmd.seq, false))}`).toBe(`${user}: denied`);
    }
    const jsm = await (await as('supervisor')).jetstreamManager();
    expect(`dlq: ${await outcome(jsm.streams.deleteMessage(STREAMS.deadLetters, dead.seq, false))}`).toBe('dlq: denied');
    expect(await jsm.streams.deleteMessage(STREAMS.commands, cmd.seq, false)).toBe(true);
  });

  it('tap: may subscribe to im.live.evt.> and receives the republished events; im.evt.> and publishing are refused', async () => {
    const tap = await as('tap');
    const violations = watchViolations(tap);
    const live = tap.subscribe(subjects.liveEvents);
    const raw = tap.subscribe(subjects.allEvents);
    const rawEnded = (async () => {
      for await (const _ of raw) return 'message';
      return 'closed';
    })().catch((err) => (isPermissionError(err) ? 'denied' : `error ${(err as Error).message}`));
    await tap.flush();
    expect(await rawEnded).toBe('denied');

    const subject = subjects.event(RUN, 'gate', 'tapped');
    expect(await jsPublish('gatekeeper', subject)).toBe('ok');
    const received = await (async () => {
      for await (const m of live) return m.subject;
      return undefined;
    })();
    expect(received).toBe(`im.live.${subject.slice('im.'.length)}`);

    tap.publish(subject, data());
    tap.publish('_INBOX.anything', data());
    await tap.flush();
    expect(await eventually(() => violations.filter((v) => v.operation === 'publish').length >= 2)).toBe(true);
    expect(violations).toEqual(expect.arrayContaining([{ operation: 'subscription', subject: 'im.evt.>' }]));
  });

  it('tap: catches up on IM_EVENTS from a given sequence with an ordered consumer; publish, stream delete, purge and consumer delete are refused', async () => {
    const ids = ['catchup-1', 'catchup-2', 'catchup-3'];
    const seqs: number[] = [];
    const gk = (await as('gatekeeper')).jetstream();
    for (const id of ids) seqs.push((await gk.publish(subjects.event(RUN, 'gate', id), data(id), { msgID: `tap-${id}` })).seq);
    const tap = await as('tap');
    const js = tap.jetstream();
    const consumer = await js.consumers.get(STREAMS.events, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seqs[1] });
    const got: string[] = [];
    const iter = await consumer.consume();
    for await (const m of iter) {
      got.push(m.subject);
      if (m.seq >= seqs[2]) break;
    }
    expect(got).toEqual([subjects.event(RUN, 'gate', ids[1]), subjects.event(RUN, 'gate', ids[2])]);

    expect(await jsPublish('tap', subjects.event(RUN, 'gate', 'by-tap'))).toBe('denied');
    const jsm = await tap.jetstreamManager({ checkAPI: false });
    expect(await outcome(jsm.streams.delete(STREAMS.events))).toBe('denied');
    expect(await outcome(jsm.streams.purge(STREAMS.events))).toBe('denied');
    expect(await outcome(jsm.streams.deleteMessage(STREAMS.events, seqs[0]))).toBe('denied');
    const durable = (await (await as('cli')).jetstreamManager()).consumers;
    await durable.add(STREAMS.events, { durable_name: 'tap-victim', ack_policy: AckPolicy.None });
    expect(await outcome(jsm.consumers.delete(STREAMS.events, 'tap-victim'))).toBe('denied');
    expect(await outcome(jsm.streams.info(STREAMS.commands))).toBe('denied');
    await durable.delete(STREAMS.events, 'tap-victim');
  });

  it('cli (the operator user) re-drives a dead letter: deletes it from IM_DLQ, which tap and the services may not', async () => {
    const { seq } = await (await as('worker')).jetstream().publish('im.dlq.operator-test', data('dead'), { msgID: 'operator-dlq-1' });
    expect(await outcome((await (await as('tap')).jetstreamManager({ checkAPI: false })).streams.deleteMessage(STREAMS.deadLetters, seq))).toBe('denied');
    expect(await outcome((await (await as('worker')).jetstreamManager({ checkAPI: false })).streams.deleteMessage(STREAMS.deadLetters, seq))).toBe('denied');
    const operator = await (await as('cli')).jetstreamManager();
    expect(await operator.streams.deleteMessage(STREAMS.deadLetters, seq)).toBe(true);
    expect(await outcome(operator.streams.getMessage(STREAMS.deadLetters, { seq }))).toMatch(/error .*no message found/i);
  });

  it('only api (SSE) and tap may subscribe to the live feed; nobody else subscribes to raw subjects', async () => {
    for (const user of USERS) {
      const nc = await as(user);
      const sub = nc.subscribe(subjects.liveEvents);
      const ended = (async () => {
        for await (const _ of sub) return 'message';
        return 'closed';
      })().catch((err) => (isPermissionError(err) ? 'denied' : 'error'));
      await nc.flush();
      const result = await Promise.race([ended, new Promise((r) => setTimeout(() => r('ok'), 300).unref())]);
      sub.unsubscribe();
      expect(`${user}: ${result}`).toBe(`${user}: ${['api', 'tap'].includes(user) ? 'ok' : 'denied'}`);
    }
  });
});
