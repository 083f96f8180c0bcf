import { connect, NatsConnection } from 'nats';
import { useTestInfra } from '../../../../test/harness';
import { StreamRegressedError } from '../errors';
import { generateWorkload, publishMessages } from '../testing';
import { checkStreamContinuity, readBatches } from './stream-source';

describe('stream source', () => {
  const infra = useTestInfra();
  let nc: NatsConnection;
  const STREAM = 'REG_TEST';
  const first = generateWorkload({ runs: 1, seed: 11, phases: 3 });
  const second = generateWorkload({ runs: 1, seed: 12, phases: 3 });
  const cp = (lastSeq: number, lastMsgId: string | null) => ({ projection: 'runs', version: 1, lastSeq, lastMsgId });

  beforeAll(async () => {
    nc = await connect({ servers: infra().natsUrl });
    await (await nc.jetstreamManager()).streams.add({ name: STREAM, subjects: ['im.evt.>'] });
    await publishMessages(nc.jetstream(), first);
  });
  afterAll(async () => nc?.close());

  it('reads a range in batches, in order, and stops at its end', async () => {
    const seqs: number[] = [];
    const sizes: number[] = [];
    for await (const b of readBatches(nc.jetstream(), 5, 40, 8, STREAM)) {
      sizes.push(b.length);
      seqs.push(...b.map((m) => m.seq));
      expect(b.every((m) => typeof m.msgId === 'string')).toBe(true);
    }
    expect(seqs).toEqual(Array.from({ length: 36 }, (_, i) => i + 5));
    expect(sizes).toEqual([8, 8, 8, 8, 4]);
  });

  it('accepts checkpoints that match the stream', async () => {
    const jsm = await nc.jetstreamManager();
    expect(await checkStreamContinuity(jsm, [cp(first.length, first[first.length - 1].msgId), cp(3, first[2].msgId), cp(0, null)], STREAM)).toBeUndefined();
  });

  it('raises when the checkpoint is past the end of the stream', async () => {
    const err = await checkStreamContinuity(await nc.jetstreamManager(), [cp(first.length + 10, 'x')], STREAM);
    expect(err).toBeInstanceOf(StreamRegressedError);
    expect(err).toMatchObject({ code: 'IM_STREAM_REGRESSED', checkpointSeq: first.length + 10, streamLastSeq: first.length });
    expect(err!.message).toMatch(/past the end/);
  });

  it('raises when the stream was replaced by one with other messages at the same sequences', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(STREAM);
    await jsm.streams.add({ name: STREAM, subjects: ['im.evt.>'] });
    await publishMessages(nc.jetstream(), [...second, ...second, ...second].slice(0, first.length + 5));
    const err = await checkStreamContinuity(jsm, [cp(first.length, first[first.length - 1].msgId)], STREAM);
    expect(err).toBeInstanceOf(StreamRegressedError);
    expect(err!.message).toContain(`the message at seq ${first.length} is`);
    expect(err!.message).toContain(first[first.length - 1].msgId);
  });
});
