import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConsumerEvents, DeliverPolicy, JsMsg } from 'nats';
import type { DataSource } from 'typeorm';
import { STREAMS } from '@ideamine/contracts';
import { deadLetter, NatsResources } from '@ideamine/jetstream';
import {
  BatchReport, checkStreamContinuity, ensureReadModels, JsStreamMessage, LIVE_SCHEMA, PoisonEventError, Projection, READ_MODELS, ReadModelWriter,
  StreamMessage, StreamRegressedError, streamLastSeq,
} from '@ideamine/persistence';
import { LOGGER, NATS } from '@ideamine/service-kit';
import { Logger, messagesHandled } from '@ideamine/telemetry';
import { projectorAlarm, projectorBatchSeconds, projectorBatchSize, projectorEvents, projectorLag, projectorLagSeconds, projectorPosition } from './projector.metrics';
import { DATA_SOURCE, PROJECTOR_OPTIONS, ProjectorOptions } from './tokens';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

export interface Alarm {
  kind: 'stream_regressed' | 'poison_event';
  message: string;
}

/**
 * Follows IM_EVENTS from the position stored in Postgres (ordered consumer: nothing to ack) and
 * writes batches of it to every read model, each batch one transaction with the new position.
 * A batch is flushed when it is full or a short timer after its first message, never merely because
 * the consumer caught up (that made transactions of two events each). Postgres outages are waited
 * out; a stream that went backwards or an event that cannot be projected raises an alarm (metric,
 * log, readiness) and stops projection until it is resolved, instead of skipping anything.
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private alarm?: Alarm;
  private closeFollow?: () => Promise<void>;
  private alarmProjection = '';

  constructor(
    @Inject(NATS) private readonly nats: NatsResources,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PROJECTOR_OPTIONS) private readonly opts: ProjectorOptions,
  ) {}

  /** For readiness: what stops projection right now, if anything. */
  currentAlarm(): Alarm | undefined {
    return this.alarm;
  }

  async onApplicationBootstrap() {
    this.loop = this.run();
  }

  async onApplicationShutdown() {
    this.stopping = true;
    this.wake?.();
    await this.closeFollow?.();
    await this.loop;
  }

  private raise(alarm: Alarm, projection = '') {
    if (this.alarm?.message !== alarm.message) this.logger.error({ alarm: alarm.kind }, alarm.message);
    if (this.alarm) projectorAlarm.set({ alarm: this.alarm.kind, projection: this.alarmProjection }, 0);
    this.alarm = alarm;
    this.alarmProjection = projection;
    projectorAlarm.set({ alarm: alarm.kind, projection }, 1);
  }

  private clear() {
    if (!this.alarm) return;
    this.logger.info({ alarm: this.alarm.kind }, 'projector alarm cleared; projecting again');
    projectorAlarm.set({ alarm: this.alarm.kind, projection: this.alarmProjection }, 0);
    this.alarm = undefined;
  }

  /** Projections whose tables are at the code's version; the others wait for `ideamine replay --projection NAME`. */
  private async activeProjections(): Promise<Projection[]> {
    const { created, stale } = await ensureReadModels(this.ds, READ_MODELS);
    if (created.length) this.logger.info({ created }, 'created read models; they fill from the start of the stream');
    projectorAlarm.reset();
    if (this.alarm) projectorAlarm.set({ alarm: this.alarm.kind, projection: this.alarmProjection }, 1);
    for (const s of stale) {
      projectorAlarm.set({ alarm: 'stale_version', projection: s.name }, 1);
      this.logger.warn({ projection: s.name, stored: s.storedVersion, code: s.codeVersion }, `read model ${s.name} is at version ${s.storedVersion}, this code writes version ${s.codeVersion}: not updated until rebuilt with: ideamine replay --projection ${s.name}`);
    }
    const staleNames = new Set(stale.map((s) => s.name));
    return READ_MODELS.filter((p) => !staleNames.has(p.name));
  }

  private async run(): Promise<void> {
    let delay = 250;
    while (!this.stopping) {
      try {
        const active = await this.activeProjections();
        const writer = new ReadModelWriter(this.ds, LIVE_SCHEMA, active);
        const regressed = await checkStreamContinuity(this.nats.jsm, (await writer.checkpoints()).values());
        if (regressed) {
          this.raise({ kind: 'stream_regressed', message: regressed.message }, regressed.projection);
          await this.pause(this.opts.checkEveryMs);
          continue;
        }
        if (this.alarm?.kind === 'stream_regressed') this.clear();
        delay = 250;
        await this.follow(writer, active);
      } catch (err) {
        if (this.stopping) break;
        this.logger.warn({ err: (err as Error).message, delay }, 'projector interrupted; starting again');
        await this.pause(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /**
   * One follow session: from the writer's position until stopping, a regression, or a change of
   * the active set (a replay swapped a stale read model in).
   */
  private async follow(writer: ReadModelWriter, active: Projection[]): Promise<void> {
    const from = (await writer.position()) + 1;
    this.logger.info({ fromSeq: from, projections: active.length }, 'projecting IM_EVENTS');
    const consumer = await this.nats.js.consumers.get(STREAMS.events, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from });
    const messages = await consumer.consume({ max_messages: this.opts.batchSize * 2 });
    this.closeFollow = () => messages.close().then(() => undefined, () => undefined);
    let buffer: StreamMessage[] = [];
    let firstAt = 0;
    let flushing: Promise<void> = Promise.resolve();
    let busy = false;
    let timer: NodeJS.Timeout | undefined;
    let ended: Error | undefined;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (!buffer.length) return flushing;
      const batch = buffer;
      buffer = [];
      const since = firstAt;
      busy = true;
      flushing = flushing.then(() => this.write(writer, batch, since)).catch((err: Error) => {
        ended ??= err;
        void messages.close();
      }).finally(() => {
        busy = false;
      });
      return flushing;
    };
    // While a batch is being written (or retried through an outage) the timer does not queue
    // more: the buffer grows to a full batch and the loop below waits, so memory stays bounded.
    const onTimer = () => {
      timer = undefined;
      if (busy) timer = setTimeout(onTimer, this.opts.flushMs);
      else void flush();
    };
    const checks = setInterval(() => {
      void this.periodicCheck(writer, active).then((reason) => {
        if (reason && !ended) {
          ended = reason;
          void messages.close();
        }
      });
    }, this.opts.checkEveryMs);
    const statuses = (async () => {
      for await (const s of await messages.status()) {
        // The ordered consumer was recreated (server restart, stream recreated): check before going on.
        if (s.type === ConsumerEvents.OrderedConsumerRecreated) void this.periodicCheck(writer, active, true).then((reason) => {
          if (reason && !ended) {
            ended = reason;
            void messages.close();
          }
        });
      }
    })().catch(() => undefined);
    try {
      for await (const m of messages) {
        if (ended || this.stopping) break;
        if (!buffer.length) firstAt = Date.now();
        buffer.push(toStreamMessage(m));
        if (buffer.length >= this.opts.batchSize) {
          // Backpressure: wait for this flush before reading on, so the buffer stays bounded.
          await flush();
        } else {
          timer ??= setTimeout(onTimer, this.opts.flushMs);
        }
      }
    } finally {
      clearInterval(checks);
      if (timer) clearTimeout(timer);
      // What is buffered but not committed is dropped: the next session reads it again from the
      // checkpoint (after a regression it must not be written at all).
      buffer = [];
      await flushing;
      await messages.close().catch(() => undefined);
      await statuses;
      this.closeFollow = undefined;
    }
    if (ended && !(ended instanceof RestartFollow)) throw ended;
  }

  /** Writes one batch, retrying until it commits: nothing buffered is ever dropped. */
  private async write(writer: ReadModelWriter, batch: StreamMessage[], since: number): Promise<void> {
    let delay = 250;
    for (;;) {
      const t0 = process.hrtime.bigint();
      try {
        const r = await writer.applyBatch(batch);
        projectorBatchSeconds.observe(Number(process.hrtime.bigint() - t0) / 1e9);
        projectorBatchSize.observe(batch.length);
        this.account(r);
        projectorLagSeconds.set(0);
        if (this.alarm?.kind === 'poison_event') this.clear();
        await this.deadLetterRejected(batch, r);
        return;
      } catch (err) {
        if (this.stopping) throw err;
        projectorLagSeconds.set((Date.now() - since) / 1000);
        if (err instanceof PoisonEventError) {
          // Everything before the event is committed; projection waits at it (no skipping), and
          // retries in case what refused it was the database's state rather than the event.
          this.raise({ kind: 'poison_event', message: `${err.message}; projection waits at it: fix the cause, then restart the projector or let it retry` }, err.projection ?? '');
          await sleep(this.opts.poisonRetryMs);
          continue;
        }
        this.logger.warn({ err: (err as Error).message, delay, messages: batch.length }, 'projection batch failed; retrying');
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  private account(r: BatchReport) {
    projectorEvents.inc({ outcome: 'applied' }, r.applied);
    if (r.duplicates) projectorEvents.inc({ outcome: 'duplicate' }, r.duplicates);
    if (r.rejected.length) projectorEvents.inc({ outcome: 'rejected' }, r.rejected.length);
    if (r.unknown.length) projectorEvents.inc({ outcome: 'unknown_type' }, r.unknown.length);
    if (r.skipped) projectorEvents.inc({ outcome: 'skipped' }, r.skipped);
    messagesHandled.inc({ consumer: 'ledger-projector', outcome: 'ack' }, r.applied);
    projectorPosition.set(r.lastSeq);
    for (const u of r.unknown) this.logger.warn({ seq: u.seq, type: u.type, subject: u.subject }, 'event of an unknown type skipped (counted in rm.skipped_events)');
  }

  private async deadLetterRejected(batch: StreamMessage[], r: BatchReport) {
    for (const bad of r.rejected) {
      this.logger.error({ seq: bad.seq, subject: bad.subject, reason: bad.reason }, 'invalid event kept out of the read models; dead-lettered');
      const m = batch.find((x) => x.seq === bad.seq);
      if (m) await deadLetter(this.nats.js, { stream: STREAMS.events, consumer: 'ledger-projector', seq: bad.seq, subject: bad.subject, data: m.data }, bad.reason).catch((err: Error) =>
        this.logger.warn({ seq: bad.seq, err: err.message }, 'dead-lettering failed; the message stays in IM_EVENTS and rm.dead_letters'));
    }
  }

  /** Lag metric, regression check, and whether a replay changed which read models are current. */
  private async periodicCheck(writer: ReadModelWriter, active: Projection[], force = false): Promise<Error | undefined> {
    try {
      const cps = await writer.checkpoints();
      const position = Math.min(...[...cps.values()].map((c) => c.lastSeq));
      projectorLag.set(Math.max(0, (await streamLastSeq(this.nats.jsm)) - position));
      const regressed = await checkStreamContinuity(this.nats.jsm, cps.values());
      if (regressed) return regressed;
      const versions: { projection: string; version: number }[] = await this.ds.query(`SELECT projection, version FROM ${LIVE_SCHEMA}.checkpoint`);
      const current = READ_MODELS.filter((p) => versions.some((v) => v.projection === p.name && v.version === p.version));
      if (current.length !== active.length || force) return new RestartFollow();
      return undefined;
    } catch (err) {
      this.logger.debug?.({ err: (err as Error).message }, 'periodic projector check failed');
      return undefined;
    }
  }
}

/** Not an error: end the follow session and start a new one (new active set, or a consumer reset). */
class RestartFollow extends Error {
  readonly code = 'IM_PROJECTOR_RESTART';
  constructor() {
    super('restart follow');
  }
}

function toStreamMessage(m: JsMsg): StreamMessage {
  return new JsStreamMessage(m);
}

export { StreamRegressedError };
