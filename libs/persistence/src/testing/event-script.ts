import { EVENT_CATALOG, EventPayload, EventType, subjects, uuidv7 } from '@ideamine/contracts';
import type { StreamMessage } from '../projection/messages';

/**
 * Hand-written event histories for read-model specs: `script.add('task.claimed', taskId, {...})`
 * with payloads checked by the catalog's types; `messages()` gives them as stream messages.
 */
export class EventScript {
  private readonly out: StreamMessage[] = [];
  private clock: number;
  private seq: number;

  constructor(readonly runId: string = uuidv7(), opts: { start?: number; firstSeq?: number } = {}) {
    this.clock = opts.start ?? Date.UTC(2026, 0, 5, 9, 0, 0);
    this.seq = (opts.firstSeq ?? 1) - 1;
  }

  /** Appends an event `ms` after the previous one; returns its envelope id. */
  add<T extends EventType>(type: T, aggregateId: string, payload: EventPayload<T>, opts: { ms?: number; runId?: string } = {}): string {
    this.clock += opts.ms ?? 1000;
    const runId = opts.runId ?? this.runId;
    const id = uuidv7(this.clock);
    const envelope = {
      id, type, schemaVersion: 1, runId, aggregateId, occurredAt: new Date(this.clock).toISOString(),
      producer: { service: 'test', version: '0', instance: 'spec' }, causationId: null, correlationId: runId, payload,
    };
    this.push(subjects.event(runId, EVENT_CATALOG[type].aggregate, aggregateId), JSON.stringify(envelope), id);
    return id;
  }

  /** Appends raw bytes (an invalid message, an unknown type, a republished copy). */
  raw(subject: string, body: string, msgId?: string): void {
    this.push(subject, body, msgId);
  }

  /** Appends a copy of the message at `seq` (a republish after the dedupe window). */
  again(seq: number): void {
    const m = this.out.find((x) => x.seq === seq);
    if (!m) throw new Error(`no message at seq ${seq}`);
    this.push(m.subject, Buffer.from(m.data).toString('utf8'), `${m.msgId}-again-${this.seq + 1}`);
  }

  get lastSeq(): number {
    return this.seq;
  }

  get at(): Date {
    return new Date(this.clock);
  }

  messages(): StreamMessage[] {
    return [...this.out];
  }

  private push(subject: string, body: string, msgId?: string) {
    this.out.push({ seq: ++this.seq, subject, data: Buffer.from(body), msgId });
  }
}
