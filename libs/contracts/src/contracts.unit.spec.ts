import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  exportSchemas, decodeMessage, validateMessage, InvalidMessageError, envelopeEvent, newEvent, makeCommand,
  deriveEventId, uuidv7, canonicalJson, idempotenceKey, subjects, parseEventSubject, EVENT_CATALOG, AGGREGATES,
} from './index';

const protoDir = join(__dirname, '..', '..', '..', 'proto-events');
const producer = { service: 'test', version: '0.0.0', instance: 'spec' };

describe('proto-events schemas', () => {
  it('every JSON Schema in proto-events equals the one generated from the TypeScript contracts', () => {
    const generated = exportSchemas();
    for (const [file, schema] of Object.entries(generated)) {
      const path = join(protoDir, 'schemas', file);
      expect({ file, exists: existsSync(path) }).toEqual({ file, exists: true });
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(schema);
    }
    const onDisk = ['', 'events', 'commands'].flatMap((d) =>
      readdirSync(join(protoDir, 'schemas', d)).filter((f) => f.endsWith('.json')).map((f) => (d ? `${d}/${f}` : f)),
    );
    expect(onDisk.sort()).toEqual(Object.keys(generated).sort());
  });

  it('every example in proto-events/examples validates', () => {
    const dir = join(protoDir, 'examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const msg = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      const family = f.startsWith('cmd.') ? 'cmd' : 'evt';
      expect(() => validateMessage(family, msg)).not.toThrow();
    }
  });

  it('SUBJECTS.md documents every event type and aggregate family', () => {
    const doc = readFileSync(join(protoDir, 'SUBJECTS.md'), 'utf8');
    for (const type of Object.keys(EVENT_CATALOG)) expect(doc).toContain(`\`${type}\``);
    for (const kind of Object.keys(AGGREGATES)) expect(doc).toContain(`.${kind}.`);
  });
});

describe('message validation', () => {
  const cause = { id: uuidv7(), correlationId: uuidv7(), runId: 'r1' };
  const started = envelopeEvent(newEvent('run.started', '_', {}), cause, producer, 0);

  it('accepts a well-formed event and routes it to its aggregate subject', () => {
    expect(started.subject).toBe('im.evt.r1.run._');
    expect(decodeMessage('evt', Buffer.from(JSON.stringify(started.envelope))).type).toBe('run.started');
  });

  it.each([
    ['not JSON', Buffer.from('{nope'), /not JSON/],
    ['unknown type', Buffer.from(JSON.stringify({ ...started.envelope, type: 'run.exploded' })), /unknown event type "run.exploded"/],
    ['extra payload field', Buffer.from(JSON.stringify({ ...started.envelope, payload: { x: 1 } })), /additional properties \(x\)/],
    ['missing id', Buffer.from(JSON.stringify({ ...started.envelope, id: undefined })), /must have required property 'id'/],
    ['oversized', Buffer.alloc(70 * 1024, 0x20), /over the 65536-byte limit/],
  ])('rejects %s with a reason', (_name, bytes, reason) => {
    expect(() => decodeMessage('evt', bytes)).toThrow(InvalidMessageError);
    expect(() => decodeMessage('evt', bytes)).toThrow(reason);
  });

  it('validates commands against their own catalog, not the event one', () => {
    const cmd = makeCommand('cancel-run', 'r1', '_', { reason: 'x', requestedBy: 'me' }, producer);
    expect(cmd.subject).toBe('im.cmd.planner.cancel-run');
    expect(validateMessage('cmd', cmd.envelope).type).toBe('cancel-run');
    expect(() => validateMessage('evt', cmd.envelope)).toThrow(/unknown event type/);
  });
});

describe('ids and hashing', () => {
  it('derives the same event id from the same cause and a different one otherwise', () => {
    const c = uuidv7();
    expect(deriveEventId(c, 'a')).toBe(deriveEventId(c, 'a'));
    expect(deriveEventId(c, 'a')).not.toBe(deriveEventId(c, 'b'));
    expect(deriveEventId(c, 'a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('uuidv7 ids sort by creation time', () => {
    expect(uuidv7(1000) < uuidv7(2000)).toBe(true);
  });

  it('canonical JSON and idempotence keys ignore key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } })).toBe('{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}');
    expect(idempotenceKey({ x: 1, y: 2 })).toBe(idempotenceKey({ y: 2, x: 1 }));
    expect(idempotenceKey({ x: 1 })).not.toBe(idempotenceKey({ x: 2 }));
  });

  it('refuses subject tokens that would change the subject shape', () => {
    expect(() => subjects.event('r.1', 'run')).toThrow(/cannot be used in a subject/);
    expect(() => subjects.event('r1', 'task', 'a*')).toThrow(/cannot be used in a subject/);
    expect(parseEventSubject('im.evt.r1.task.t1')).toEqual({ runId: 'r1', kind: 'task', id: 't1' });
    expect(parseEventSubject('im.evt.r1.bogus.t1')).toBeUndefined();
  });
});
