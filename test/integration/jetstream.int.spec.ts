import { connect, headers as natsHeaders, StringCodec } from 'nats';
import {
  ConcurrencyConflictError, durationToNanos, getArtifact, loadJetStreamSpec, provisionJetStream, publishEnvelope, putArtifact,
  readStream, RetryLaterError, runDurableConsumer, ArtifactIntegrityError, ArtifactReadStalledError, PermanentMessageError, MessageContext,
} from '@ideamine/jetstream';
import { BUCKETS, envelopeEvent, HEADERS, newEvent, STREAMS, uuidv7 } from '@ideamine/contracts';
import { join } from 'node:path';
import { useProvisionedNats } from './nats-fixture';

const producer = { service: 'test', version: '0', instance: 'jest' };
const sc = StringCodec();
const started = (runId: string, causeId = uuidv7()) => envelopeEvent(newEvent('run.started', '_', {}), { id: causeId, correlationId: causeId, runId }, producer, 0);
const waitFor = async (cond: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};
async function deadLetters(nats: Awaited<ReturnType<ReturnType<typeof useProvisionedNats>['resources']>>) {
  const out: { reason: string; seq: string; data: string }[] = [];
  for await (const m of readStream(nats.js, STREAMS.deadLetters)) out.push({ reason: m.headers?.get(HEADERS.dlqReason) ?? '', seq: m.headers?.get(HEADERS.dlqSeq) ?? '', data: sc.decode(m.data) });
  return out;
}

describe('JetStream library against a real nats-server', () => {
  const nats = useProvisionedNats();

  it('provisioning is idempotent, reports drift and changes a live stream only when told to', async () => {
    const r = await nats.resources();
    const spec = loadJetStreamSpec(join(__dirname, '..', '..', 'deploy', 'nats', 'jetstream.yaml'));
    const again = await provisionJetStream(r.jsm, r.js, spec);
    expect(again.filter((l) => l.action !== 'unchanged')).toEqual([]);
    const hb = spec.streams.find((s) => s.name === STREAMS.heartbeats)!;
    const changed = { ...spec, streams: [{ ...hb, max_age: '2h' }] };
    const drift = await provisionJetStream(r.jsm, r.js, changed);
    expect(drift[0]).toMatchObject({ name: STREAMS.heartbeats, action: 'drifted' });
    expect(drift[0].differences!.join()).toMatch(/max_age/);
    expect((await r.jsm.streams.info(STREAMS.heartbeats)).config.max_age).toBe(durationToNanos('1h'));
    const updated = await provisionJetStream(r.jsm, r.js, changed, { update: true });
    expect(updated[0].action).toBe('updated');
    expect((await r.jsm.streams.info(STREAMS.heartbeats)).config.max_age).toBe(durationToNanos('2h'));
    await provisionJetStream(r.jsm, r.js, { ...spec, streams: [hb] }, { update: true });
  });

  it('a republished envelope is stored once (Nats-Msg-Id = event id)', async () => {
    const r = await nats.resources();
    const { subject, envelope } = started('dedupe1');
    const a = await publishEnvelope(r.js, 'evt', subject, envelope);
    const b = await publishEnvelope(r.js, 'evt', subject, envelope);
    expect(a.duplicate).toBe(false);
    expect(b.duplicate).toBe(true);
    expect(b.seq).toBe(a.seq);
  });

  it('refuses to publish an invalid envelope', async () => {
    const r = await nats.resources();
    const { subject, envelope } = started('bad1');
    await expect(publishEnvelope(r.js, 'evt', subject, { ...envelope, payload: { nope: 1 } })).rejects.toThrow(/additional properties/);
  });

  it('optimistic concurrency: a stale expected subject sequence is a ConcurrencyConflictError', async () => {
    const r = await nats.resources();
    const first = started('occ1');
    const ack = await publishEnvelope(r.js, 'evt', first.subject, first.envelope, { expectLastSubjectSequence: 0 });
    const second = started('occ1');
    await expect(publishEnvelope(r.js, 'evt', second.subject, second.envelope, { expectLastSubjectSequence: 0 })).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(publishEnvelope(r.js, 'evt', second.subject, second.envelope, { expectLastSubjectSequence: ack.seq })).resolves.toMatchObject({ duplicate: false });
  });

  it('the consumer runner dead-letters invalid and poison messages with a reason and keeps consuming', async () => {
    const r = await nats.resources();
    const handled: string[] = [];
    const runner = await runDurableConsumer(r.js, r.jsm, { stream: STREAMS.events, durable: 'it-runner', filterSubject: 'im.evt.dlq1.>', family: 'evt', maxDeliver: 3, ackWaitMs: 5000 }, async (ctx: MessageContext) => {
      if (ctx.envelope.aggregateId === 'poison') throw new Error('handler exploded');
      if (ctx.envelope.aggregateId === 'permanent') throw new PermanentMessageError('refused by handler');
      handled.push(ctx.envelope.id);
    }, r.logger);
    try {
      const h = natsHeaders();
      await r.js.publish('im.evt.dlq1.run._', sc.encode('{not json'), { msgID: uuidv7(), headers: h });
      const poison = envelopeEvent(newEvent('run.started', 'poison', {}), { id: uuidv7(), correlationId: uuidv7(), runId: 'dlq1' }, producer, 0);
      await publishEnvelope(r.js, 'evt', poison.subject.replace('run._', 'run.poison'), poison.envelope);
      const permanent = envelopeEvent(newEvent('run.started', 'permanent', {}), { id: uuidv7(), correlationId: uuidv7(), runId: 'dlq1' }, producer, 0);
      await publishEnvelope(r.js, 'evt', 'im.evt.dlq1.run.permanent', permanent.envelope);
      const good = started('dlq1');
      await publishEnvelope(r.js, 'evt', good.subject, good.envelope);
      await waitFor(() => handled.includes(good.envelope.id));
      await waitFor(async () => (await deadLetters(r)).filter((d) => d.data.includes('dlq1') || d.data === '{not json').length >= 3, 20_000);
      const dl = await deadLetters(r);
      expect(dl.find((d) => d.data === '{not json')!.reason).toMatch(/not JSON/);
      expect(dl.find((d) => d.data.includes('"poison"'))!.reason).toMatch(/gave up after 3 deliveries: handler exploded/);
      expect(dl.find((d) => d.data.includes('"permanent"'))!.reason).toMatch(/refused by handler/);
      const info = await r.jsm.consumers.info(STREAMS.events, 'it-runner');
      expect(info.num_pending + info.num_ack_pending).toBe(0);
    } finally {
      await runner.stop();
    }
  }, 40_000);

  it('RetryLaterError redelivers after the delay, not at once', async () => {
    const r = await nats.resources();
    const seen: number[] = [];
    const runner = await runDurableConsumer(r.js, r.jsm, { stream: STREAMS.events, durable: 'it-delay', filterSubject: 'im.evt.delay1.>', family: 'evt' }, async () => {
      seen.push(Date.now());
      if (seen.length === 1) throw new RetryLaterError('not yet', 1500);
    }, r.logger);
    try {
      const e = started('delay1');
      await publishEnvelope(r.js, 'evt', e.subject, e.envelope);
      await waitFor(() => seen.length >= 2, 10_000);
      expect(seen[1] - seen[0]).toBeGreaterThanOrEqual(1400);
    } finally {
      await runner.stop();
    }
  }, 20_000);

  it('artifacts are content-addressed and verified on read', async () => {
    const r = await nats.resources();
    const os = await r.js.views.os(BUCKETS.artifacts);
    const a = await putArtifact(os, BUCKETS.artifacts, 'hello artifacts', 'note', 'text/plain');
    const b = await putArtifact(os, BUCKETS.artifacts, 'hello artifacts', 'note', 'text/plain');
    expect(b).toEqual(a);
    expect((await getArtifact(os, a)).toString()).toBe('hello artifacts');
    const other = await putArtifact(os, BUCKETS.artifacts, 'something else', 'note', 'text/plain');
    await expect(getArtifact(os, { name: other.name, sha256: a.sha256 })).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });

  // The same bytes are often stored by several processes at once (identical evidence packs of two
  // runs, a decision's blob replayed). An object store put of an existing name writes new chunks and
  // purges the old ones, so a reader holding the old metadata would wait for chunks forever.
  it('concurrent puts of the same content from separate connections store it once and never move it', async () => {
    const r = await nats.resources();
    const conns = await Promise.all(Array.from({ length: 6 }, () => connect({ servers: nats.url() })));
    try {
      const stores = await Promise.all(conns.map((c) => c.jetstream().views.os(BUCKETS.artifacts)));
      const content = Buffer.alloc(300 * 1024, 'evidence pack '); // several chunks
      const first = await Promise.all(stores.flatMap((os) => [putArtifact(os, BUCKETS.artifacts, content, 'pack'), putArtifact(os, BUCKETS.artifacts, content, 'pack')]));
      expect(new Set(first.map((ref) => JSON.stringify(ref))).size).toBe(1);
      const os = await r.js.views.os(BUCKETS.artifacts);
      const info = (await os.info(first[0].name))!;
      const reading = getArtifact(os, first[0]);
      await Promise.all(stores.map((s) => putArtifact(s, BUCKETS.artifacts, content, 'pack')));
      expect((await reading).equals(content)).toBe(true);
      const after = (await os.info(first[0].name))!;
      expect(after.nuid).toBe(info.nuid);
      expect(after.revision).toBe(info.revision);
      const stream = `OBJ_${BUCKETS.artifacts}`;
      const chunks = (await r.jsm.streams.info(stream, { subjects_filter: `$O.${BUCKETS.artifacts}.C.>` })).state.subjects ?? {};
      const ours = Object.entries(chunks).filter(([subject]) => subject.endsWith(info.nuid));
      expect(ours).toEqual([[`$O.${BUCKETS.artifacts}.C.${info.nuid}`, info.chunks]]);
      const total = Object.values(chunks).reduce((n, c) => n + c, 0);
      const objects = await os.list();
      expect(total).toBe(objects.reduce((n, o) => n + o.chunks, 0)); // no orphaned chunks of losing puts
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  }, 30_000);

  it('a read whose chunks are gone fails with a retryable error instead of waiting forever', async () => {
    const r = await nats.resources();
    const os = await r.js.views.os(BUCKETS.artifacts);
    const ref = await putArtifact(os, BUCKETS.artifacts, 'soon without chunks', 'note', 'text/plain');
    const info = (await os.info(ref.name))!;
    await r.jsm.streams.purge(`OBJ_${BUCKETS.artifacts}`, { filter: `$O.${BUCKETS.artifacts}.C.${info.nuid}` });
    const t0 = Date.now();
    const err = await getArtifact(os, ref, { stallMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactReadStalledError);
    expect((err as ArtifactReadStalledError).code).toBe('IM_ARTIFACT_READ_STALLED');
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 20_000);
});

describe('publishing across a nats-server restart', () => {
  const nats = useProvisionedNats();

  it('a publish made while the server is down is retried with the same id and stored exactly once', async () => {
    const server = nats.server();
    if (!server) return expect(process.env.NATS_URL).toBeDefined(); // an external server cannot be restarted here
    const r = await nats.resources();
    const before = (await r.jsm.streams.info(STREAMS.events)).state.messages;
    await server.kill();
    const e = started('restart1');
    const pending = publishEnvelope(r.js, 'evt', e.subject, e.envelope, { retryForMs: 30_000, timeoutMs: 1000 });
    await new Promise((res) => setTimeout(res, 1500));
    await server.restart();
    const ack = await pending;
    expect(ack.duplicate).toBe(false);
    const again = await publishEnvelope(r.js, 'evt', e.subject, e.envelope);
    expect(again).toMatchObject({ duplicate: true, seq: ack.seq });
    expect((await r.jsm.streams.info(STREAMS.events)).state.messages).toBe(before + 1);
  }, 60_000);
});

describe('JetStreamClientProxy', () => {
  const nats = useProvisionedNats();

  it('emits commands and events to the subjects the catalog assigns, deduplicated by envelope id', async () => {
    const r = await nats.resources();
    const { JetStreamClientProxy } = await import('@ideamine/jetstream');
    const { makeCommand } = await import('@ideamine/contracts');
    const client = new JetStreamClientProxy(r);
    const cmd = makeCommand('cancel-run', 'client1', '_', { reason: 'via client', requestedBy: 'test' }, producer);
    const { lastValueFrom } = await import('rxjs');
    await lastValueFrom(client.emit('cancel-run', cmd.envelope), { defaultValue: undefined });
    await lastValueFrom(client.emit('cancel-run', cmd.envelope), { defaultValue: undefined });
    const stored = await r.jsm.streams.getMessage(STREAMS.commands, { last_by_subj: 'im.cmd.planner.cancel-run' });
    expect(JSON.parse(sc.decode(stored.data)).id).toBe(cmd.envelope.id);
    const info = await r.jsm.streams.info(STREAMS.commands, { subjects_filter: 'im.cmd.planner.cancel-run' });
    expect(info.state.subjects?.['im.cmd.planner.cancel-run']).toBe(1);
    const ev = started('client1');
    await lastValueFrom(client.emit('run.started', ev.envelope), { defaultValue: undefined });
    expect(JSON.parse(sc.decode((await r.jsm.streams.getMessage(STREAMS.events, { last_by_subj: ev.subject })).data)).id).toBe(ev.envelope.id);
    await expect(lastValueFrom(client.emit('pause-run', cmd.envelope))).rejects.toThrow(/does not match envelope type/);
    await expect(lastValueFrom(client.send('cancel-run', cmd.envelope))).rejects.toThrow(/use emit/);
  });
});

describe('provisioning by services that start together', () => {
  // Every service provisions at start; on a fresh server they race to create the same streams.
  it('eight concurrent provisioners on a fresh server all succeed and create each stream once', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { startNatsServer } = await import('@ideamine/devstack');
    const dir = mkdtempSync(join(tmpdir(), 'ideamine-nats-'));
    const server = await startNatsServer({ dir });
    const conns = await Promise.all(Array.from({ length: 8 }, () => connect({ servers: server.url })));
    try {
      const spec = loadJetStreamSpec(join(__dirname, '..', '..', 'deploy', 'nats', 'jetstream.yaml'));
      const reports = await Promise.all(conns.map(async (c) => provisionJetStream(await c.jetstreamManager(), c.jetstream(), spec)));
      expect(reports).toHaveLength(8);
      const jsm = await conns[0].jetstreamManager();
      const names: string[] = [];
      for await (const si of jsm.streams.list()) names.push(si.config.name);
      const wanted = [...spec.streams.map((s) => s.name), ...spec.kv.map((b) => `KV_${b.bucket}`), ...spec.objectStores.map((b) => `OBJ_${b.bucket}`)];
      expect(names.sort()).toEqual(wanted.sort());
    } finally {
      await Promise.all(conns.map((c) => c.close()));
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
