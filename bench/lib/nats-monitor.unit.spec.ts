import { connzDelta, parseConnz, parseVarz, varzDelta } from './nats-monitor';

describe('/varz', () => {
  const varz = (inMsgs: number, outMsgs: number) => ({ server_id: 'X', in_msgs: inMsgs, out_msgs: outMsgs, in_bytes: inMsgs * 100, out_bytes: outMsgs * 100, connections: 3 });

  it('reads the message and byte counters', () => {
    expect(parseVarz(varz(5, 7))).toEqual({ inMsgs: 5, outMsgs: 7, inBytes: 500, outBytes: 700 });
  });

  it('refuses a body without them', () => {
    expect(() => parseVarz({ in_msgs: 1 })).toThrow(/out_msgs/);
  });

  it('subtracts two reads, and fails loudly when a counter went down (server restarted)', () => {
    expect(varzDelta(parseVarz(varz(100, 300)), parseVarz(varz(145, 400)))).toEqual({ inMsgs: 45, outMsgs: 100, inBytes: 4500, outBytes: 10000 });
    expect(() => varzDelta(parseVarz(varz(100, 300)), parseVarz(varz(5, 400)))).toThrow(/restarted/);
  });
});

describe('/connz', () => {
  const connz = (conns: { cid: number; name?: string; in_msgs: number; out_msgs: number }[]) => ({ num_connections: conns.length, connections: conns });

  it('groups in/out deltas by label; a new connection counts from zero', () => {
    const before = parseConnz(connz([
      { cid: 1, name: 'ideamine-scheduler-scheduler-0', in_msgs: 10, out_msgs: 5 },
      { cid: 2, name: 'ideamine-worker-worker-0', in_msgs: 3, out_msgs: 3 },
    ]));
    const after = parseConnz(connz([
      { cid: 1, name: 'ideamine-scheduler-scheduler-0', in_msgs: 30, out_msgs: 6 },
      { cid: 2, name: 'ideamine-worker-worker-0', in_msgs: 4, out_msgs: 9 },
      { cid: 3, name: 'ideamine-worker-worker-1', in_msgs: 2, out_msgs: 1 },
      { cid: 4, in_msgs: 1, out_msgs: 0 },
    ]));
    const label = (n: string) => (n.includes('worker') ? 'worker' : n.includes('scheduler') ? 'scheduler' : n);
    expect(connzDelta(before, after, label)).toEqual({
      scheduler: { inMsgs: 20, outMsgs: 1 },
      worker: { inMsgs: 3, outMsgs: 7 },
      'cid 4': { inMsgs: 1, outMsgs: 0 },
    });
  });

  it('refuses a body without a connections array', () => {
    expect(() => parseConnz({})).toThrow(/connections/);
  });
});
