import { decodeCursor, encodeCursor, isRunKey, isSeq } from './pagination';
import { frame } from './stream/event-stream.controller';

describe('cursors', () => {
  it('round-trip the sort key of the list they belong to', () => {
    const key = { createdAt: '2026-12-02T06:11:33.587+00:00', runId: '01a2' };
    expect(decodeCursor('runs', encodeCursor('runs', key)!, isRunKey)).toEqual(key);
    expect(encodeCursor('runs', null)).toBeNull();
    expect(decodeCursor('runs', undefined, isRunKey)).toBeUndefined();
  });

  it('refuse garbage and cursors of another list, naming the parameter', () => {
    expect(() => decodeCursor('runs', 'garbage!', isRunKey)).toThrow(/cursor is not one this API issued/);
    expect(() => decodeCursor('tasks', encodeCursor('events', 5)!, isSeq)).toThrow(/does not belong to this list \(tasks\)/);
    expect(() => decodeCursor('events', encodeCursor('events', -1)!, isSeq)).toThrow(/does not belong/);
  });
});

describe('SSE frames', () => {
  it('carry the stream sequence as id and the body as published, split per line', () => {
    const body = JSON.stringify({ id: 'e1', type: 'run.started', payload: {} });
    expect(frame({ seq: 42, data: Buffer.from(body) } as any)).toBe(`id: 42\ndata: ${body}\n\n`);
    expect(frame({ seq: 7, data: Buffer.from('a\nb') } as any)).toBe('id: 7\ndata: a\ndata: b\n\n');
  });
});
