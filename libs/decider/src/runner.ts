import { headers as natsHeaders, DeliverPolicy, JsMsg, KV, ObjectStore } from 'nats';
import {
  AnyEventEnvelope, BUCKETS, decodeMessage, HEADERS, makeCommand, Producer, STREAMS, subjects, validateMessage,
} from '@ideamine/contracts';
import { NatsResources, putArtifact } from '@ideamine/jetstream';
import { injectTraceContext, Logger } from '@ideamine/telemetry';
import type { AnyDecider, Fact } from './decider';
import { CachedArtifacts } from './artifact-io';
import { PartitionLeases, partitionOf } from './leases';
import { publishDecisionEvents, publishInjected, publishRetrying } from './publish';
import { classify, fold, PlannedCommand, planDecision, planInjected, RawMessage, RunSlot, newSlot, subjectParts } from './run-slot';
import { SnapshotFencedError, SnapshotStore } from './snapshots';

export interface DeciderRunnerOptions {
  /** Stable replica name (IM_INSTANCE): leases held under it are taken back at once after a restart. */
  instance: string;
  partitions: number;
  leaseTtlMs: number;
  snapshotIntervalMs: number;
  tickIntervalMs?: number;
  producer: Producer;
  /** Worker pool for run-task commands. */
  workerPool: string;
  /** Messages admitted but not yet decided, across runs, before the reader waits. */
  maxInFlight?: number;
  /** Validate every published event and command against its schema (on in tests; the edges always validate). */
  validatePublished?: boolean;
}

class NotOwnerError extends Error {
  readonly code = 'IM_NOT_OWNER';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one decider for the partitions this replica holds (ADR 0005). It reads IM_EVENTS in stream
 * order through one ordered consumer (nothing to ack: its position is part of the snapshot), folds
 * and decides every input of its runs in order — one run at a time, runs in parallel — and commits
 * each decision by publishing its events with optimistic concurrency before anything else happens:
 * commands go out only once the events are in the stream, and the state moves only then. After a
 * takeover it replays from the last snapshot, re-deriving the same decisions; events already in the
 * stream are recognised by id and only a missing tail is published, so a half-published decision
 * is completed exactly once however long ago it was cut.
 */
export class DeciderRunner {
  private readonly log: Logger;
  private readonly slots = new Map<string, RunSlot>();
  private readonly actors = new Map<string, Promise<void>>();
  private readonly dirty = new Map<string, number>();
  private readonly partitionPos = new Map<number, number>();
  private readonly savedPos = new Map<number, number>();
  private readonly deferred = new Map<string, { fact: Fact; commands: PlannedCommand[] }[]>();
  private owned = new Set<number>();
  private leases?: PartitionLeases;
  private store?: SnapshotStore;
  private os?: ObjectStore;
  private io?: CachedArtifacts;
  private reconfiguring: Promise<void> = Promise.resolve();
  private reader?: { close(): Promise<void | Error>; done: Promise<void> };
  private stopping = false;
  private timers: NodeJS.Timeout[] = [];
  private snapshotting?: Promise<void>;
  // Watermark: every admitted message at or below it has been fully processed.
  private admitted: number[] = [];
  private admittedHead = 0;
  private completed = new Set<number>();
  private watermark = 0;
  private catchUpUntil = 0;
  private caughtUp = false;
  private backpressure?: { resolve: () => void };
  private dirtyVersion = 0;
  /** Partitions the current reader session replays from their own snapshot position. */
  private covered = new Set<number>();
  /** Bumped when a reader session ends: inputs held by the old session stop retrying (the next replays them). */
  private session = 0;

  constructor(readonly decider: AnyDecider, private readonly nats: NatsResources, private readonly opts: DeciderRunnerOptions, logger: Logger) {
    this.log = logger.child({ decider: decider.service });
  }

  get ownedPartitions(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  /** The folded state of a run this replica owns (for `ideamine state` and tests). */
  stateOf(runId: string): unknown {
    return this.slots.get(runId)?.state;
  }

  async start(): Promise<void> {
    const { js } = this.nats;
    const leasesKv: KV = await js.views.kv(BUCKETS.leases, { ttl: this.opts.leaseTtlMs, history: 1 });
    const stateKv: KV = await js.views.kv(BUCKETS.deciderState, { history: 1 });
    // The bucket's TTL is what really expires a lease: renew on its clock if it differs from ours.
    const bucketTtl = (await leasesKv.status()).ttl;
    const ttlMs = bucketTtl > 0 ? bucketTtl : this.opts.leaseTtlMs;
    if (ttlMs !== this.opts.leaseTtlMs) this.log.warn({ bucketTtl: ttlMs, configured: this.opts.leaseTtlMs }, `${BUCKETS.leases} expires entries after ${ttlMs} ms; leases follow the bucket`);
    this.store = new SnapshotStore(stateKv, this.nats.jsm, this.decider.service);
    this.io = new CachedArtifacts(async () => (this.os ??= await js.views.os(BUCKETS.artifacts)));
    this.leases = new PartitionLeases(leasesKv, this.nats.jsm, {
      service: this.decider.service, instance: this.opts.instance, partitions: this.opts.partitions, ttlMs, logger: this.log,
      onChange: (owned) => this.reconfigure(owned),
    });
    await this.leases.start();
    await this.reconfiguring;
    this.timers.push(setInterval(() => void this.snapshot(), this.opts.snapshotIntervalMs));
    if (this.decider.tick) this.timers.push(setInterval(() => this.tickAll(), this.opts.tickIntervalMs ?? 500));
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    await this.reconfiguring.catch(() => undefined);
    await this.stopReader();
    await this.snapshotting?.catch(() => undefined);
    await this.snapshot(true);
    await this.leases?.stop();
  }

  // ---- ownership -------------------------------------------------------------------------------

  private reconfigure(owned: number[]): void {
    this.reconfiguring = this.reconfiguring.then(() => this.applyOwnership(owned)).catch((err) => {
      this.log.error({ err: (err as Error).message }, 'could not take over partitions; retrying at the next lease round');
    });
  }

  private async applyOwnership(ownedNow: number[]): Promise<void> {
    if (this.stopping) return;
    const next = new Set(ownedNow);
    const lost = [...this.owned].filter((p) => !next.has(p));
    const gained = ownedNow.filter((p) => !this.owned.has(p));
    if (!lost.length && !gained.length) return;
    await this.stopReader();
    await this.snapshotting?.catch(() => undefined);
    for (const p of lost) this.forgetPartition(p);
    for (const p of gained) {
      const snap = await this.store!.load(p);
      for (const slot of snap.slots) this.slots.set(slot.runId, slot);
      this.partitionPos.set(p, snap.pos);
      this.savedPos.set(p, snap.pos);
      this.log.info({ partition: p, pos: snap.pos, runs: snap.slots.length }, 'took over partition');
    }
    this.owned = next;
    if (this.owned.size === 0 || this.stopping) return;
    const from = Math.min(...[...this.owned].map((p) => this.partitionPos.get(p) ?? 0)) + 1;
    await this.startReader(from);
  }

  private forgetPartition(p: number) {
    for (const runId of [...this.slots.keys()]) {
      if (partitionOf(runId, this.opts.partitions) !== p) continue;
      this.slots.delete(runId);
      this.dirty.delete(runId);
      this.deferred.delete(runId);
    }
    this.partitionPos.delete(p);
    this.savedPos.delete(p);
    this.store?.forget(p);
    this.log.info({ partition: p }, 'gave up partition');
  }

  // ---- reading the log -------------------------------------------------------------------------

  private async startReader(fromSeq: number): Promise<void> {
    const { js, jsm } = this.nats;
    const info = await jsm.streams.info(STREAMS.events);
    this.catchUpUntil = info.state.last_seq;
    this.caughtUp = this.catchUpUntil < fromSeq;
    this.admitted = [];
    this.admittedHead = 0;
    this.completed.clear();
    this.watermark = fromSeq - 1;
    this.covered = new Set(this.owned);
    const consumer = await js.consumers.get(STREAMS.events, {
      filterSubjects: subjects.allEvents, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq,
    });
    const messages = await consumer.consume({ max_messages: 1024 });
    const session = this.session;
    const done = (async () => {
      try {
        for await (const m of messages) {
          // Messages already buffered keep coming after close(): they belong to the next session.
          if (this.stopping || session !== this.session) break;
          const wait = this.admit(m);
          if (wait) await wait;
        }
      } catch (err) {
        if (!this.stopping) this.log.error({ err: (err as Error).message }, 'event reader stopped');
      }
    })();
    this.reader = { close: () => messages.close(), done };
    this.log.info({ fromSeq, catchUpUntil: this.catchUpUntil, partitions: this.ownedPartitions.length }, 'reading IM_EVENTS');
    if (this.caughtUp) this.onCaughtUp();
  }

  private async stopReader(): Promise<void> {
    const r = this.reader;
    this.reader = undefined;
    this.session++;
    if (r) {
      await r.close().catch(() => undefined);
      this.backpressure?.resolve();
      await r.done;
    }
    await Promise.allSettled([...this.actors.values()]);
    // What this session processed now belongs to each partition's own position.
    for (const p of this.covered) this.partitionPos.set(p, Math.max(this.partitionPos.get(p) ?? 0, this.watermark));
    this.covered.clear();
  }

  /** Returns a promise only when the reader must wait (too much in flight). */
  private admit(m: JsMsg): Promise<void> | undefined {
    const seq = m.seq;
    this.admitted.push(seq);
    const parts = subjectParts(m.subject);
    if (!parts || !this.owned.has(this.partitionOfRun(parts.runId))) {
      this.complete(seq);
      return undefined;
    }
    let slot = this.slots.get(parts.runId);
    if (!slot) {
      slot = newSlot(this.decider, parts.runId);
      this.slots.set(parts.runId, slot);
    }
    if (seq <= slot.pos) {
      this.complete(seq);
      return undefined;
    }
    const raw: RawMessage & { data: Uint8Array } = {
      seq, subject: m.subject, type: m.headers?.get(HEADERS.eventType) || undefined, decision: m.headers?.get(HEADERS.decision) || undefined, data: m.data,
    };
    // Most of the stream is nothing to this decider (or its own events coming back): when its run
    // has nothing queued, settle it here instead of through the run's queue.
    if (!this.actors.has(parts.runId)) {
      const c = classify(this.decider, slot, raw);
      if (c.kind === 'skip' || c.kind === 'confirmation') {
        slot.pos = seq;
        this.complete(seq);
        return undefined;
      }
    }
    const s = slot;
    // The session is the admitting one: work still queued when it ends must not run in the next.
    const session = this.session;
    this.enqueue(parts.runId, () => this.process(s, raw, session));
    if (this.admitted.length - this.admittedHead > (this.opts.maxInFlight ?? 2000) && this.reader) {
      return new Promise<void>((resolve) => (this.backpressure = { resolve }));
    }
    return undefined;
  }

  private readonly partitionCache = new Map<string, number>();

  /** partitionOf hashes the run id; every message needs it, so it is remembered per run. */
  private partitionOfRun(runId: string): number {
    let p = this.partitionCache.get(runId);
    if (p === undefined) {
      if (this.partitionCache.size > 100_000) this.partitionCache.clear();
      p = partitionOf(runId, this.opts.partitions);
      this.partitionCache.set(runId, p);
    }
    return p;
  }

  private complete(seq: number): void {
    this.completed.add(seq);
    while (this.admittedHead < this.admitted.length && this.completed.has(this.admitted[this.admittedHead])) {
      const s = this.admitted[this.admittedHead++];
      this.completed.delete(s);
      this.watermark = s;
    }
    if (this.admittedHead > 4096) {
      this.admitted = this.admitted.slice(this.admittedHead);
      this.admittedHead = 0;
    }
    if (this.backpressure && this.admitted.length - this.admittedHead <= (this.opts.maxInFlight ?? 2000) / 2) {
      this.backpressure.resolve();
      this.backpressure = undefined;
    }
    if (!this.caughtUp && this.watermark >= this.catchUpUntil) this.onCaughtUp();
  }

  private enqueue(runId: string, work: () => Promise<void>): void {
    const prev = this.actors.get(runId) ?? Promise.resolve();
    const next = prev.then(work, work);
    this.actors.set(runId, next);
    void next.finally(() => {
      if (this.actors.get(runId) === next) this.actors.delete(runId);
    });
  }

  // ---- deciding ---------------------------------------------------------------------------------

  /** Holds an input until it is applied: retried with backoff, never skipped (a poison bug stops its run, visibly). */
  private async process(slot: RunSlot, raw: RawMessage & { data: Uint8Array }, session: number): Promise<void> {
    const partition = partitionOf(slot.runId, this.opts.partitions);
    for (let attempt = 1; ; attempt++) {
      if (this.stopping || session !== this.session || !this.owned.has(partition) || this.slots.get(slot.runId) !== slot) return;
      try {
        await this.processOnce(slot, raw);
        this.complete(raw.seq);
        return;
      } catch (err) {
        // Waiting for a lease renewal is not a failure of the input: look again soon.
        const delay = err instanceof NotOwnerError ? 250 : Math.min(250 * 2 ** Math.min(attempt - 1, 7), 30_000);
        if (err instanceof NotOwnerError && attempt < 40) {
          await sleep(delay);
          continue;
        }
        this.log.warn({ runId: slot.runId, seq: raw.seq, type: raw.type, attempt, delay, err: (err as Error).message }, 'could not apply input; holding it and retrying');
        for (let waited = 0; waited < delay && session === this.session && !this.stopping; waited += 250) await sleep(250);
      }
    }
  }

  private async processOnce(slot: RunSlot, raw: RawMessage & { data: Uint8Array }): Promise<void> {
    const c = classify(this.decider, slot, raw);
    if (c.kind === 'skip' || c.kind === 'confirmation') {
      slot.pos = raw.seq;
      return;
    }
    let event: AnyEventEnvelope;
    try {
      event = decodeMessage('evt', raw.data) as AnyEventEnvelope;
    } catch (err) {
      // The projector dead-letters invalid events; a decider only refuses to act on them.
      this.log.warn({ runId: slot.runId, seq: raw.seq, subject: raw.subject, reason: (err as Error).message }, 'invalid event ignored');
      slot.pos = raw.seq;
      return;
    }
    const fact: Fact = { event, seq: raw.seq, subject: raw.subject };
    if (c.kind === 'adopt') {
      this.log.warn({ runId: slot.runId, seq: raw.seq, type: event.type, decision: raw.decision }, 'adopting a decision another owner published');
      this.setSlot(slot, fold(this.decider, slot.state, fact), { decisionNo: c.decisionNo, decisionIndex: c.index, pos: raw.seq });
      return;
    }
    const observed = fold(this.decider, slot.state, fact);
    const extra = this.decider.enrich ? await this.decider.enrich(observed, fact, this.io!) : undefined;
    const decision = this.decider.decide(observed, fact, extra);
    if (!decision.events.length && !decision.commands?.length) {
      if (decision.ignored) this.log.info({ runId: slot.runId, seq: raw.seq, type: event.type, why: decision.ignored }, 'input ignored');
      this.setSlot(slot, observed, { pos: raw.seq });
      return;
    }
    if (!this.leases?.holds(partitionOfSlot(slot, this.opts.partitions))) throw new NotOwnerError(`partition of run ${slot.runId} is not held`);
    const plan = planDecision(this.decider, slot, fact, decision, this.opts.producer);
    if (decision.blobs?.length) {
      this.os ??= await this.nats.js.views.os(BUCKETS.artifacts);
      // Content-addressed and create-only: rewriting an existing object would move its chunks
      // under a concurrent reader (a decision replayed, two runs with the same evidence).
      for (const b of decision.blobs) await putArtifact(this.os, b.ref.bucket, b.content, b.ref.kind, b.ref.contentType);
    }
    const lastSeq = { ...slot.lastSeq };
    const seqs = await publishDecisionEvents(this.nats.js, this.nats.jsm, plan.events, lastSeq, this.opts.validatePublished);
    let state = observed;
    plan.events.forEach((p, i) => {
      state = fold(this.decider, state, { event: p.envelope, seq: seqs[i], subject: p.subject });
    });
    if (plan.commands.length) {
      if (this.caughtUp || raw.seq > this.catchUpUntil) await this.sendCommands(slot.runId, fact, plan.commands);
      else this.deferred.set(slot.runId, [...(this.deferred.get(slot.runId) ?? []), { fact, commands: plan.commands }]);
    }
    this.log.debug({ runId: slot.runId, seq: raw.seq, input: event.type, decided: plan.events.map((e) => e.envelope.type), commands: plan.commands.length }, 'decision');
    this.setSlot(slot, state, { lastSeq, decisionNo: plan.decisionNo, decisionIndex: plan.events.length - 1, pos: raw.seq });
  }

  private setSlot(slot: RunSlot, state: unknown, patch: Partial<RunSlot>): void {
    slot.state = state;
    Object.assign(slot, patch);
    this.dirty.set(slot.runId, ++this.dirtyVersion);
  }

  private async sendCommands(runId: string, fact: Fact, commands: PlannedCommand[]): Promise<void> {
    await Promise.all(commands.map(async ({ command, id }) => {
      const { subject, envelope } = makeCommand(command.name, runId, command.aggregateId, command.payload as never, this.opts.producer, {
        id, causationId: fact.event.id, correlationId: fact.event.correlationId, pool: command.pool ?? this.opts.workerPool,
      });
      if (this.opts.validatePublished) validateMessage('cmd', envelope);
      const h = natsHeaders();
      h.set(HEADERS.eventType, envelope.type);
      h.set(HEADERS.runId, runId);
      injectTraceContext(h);
      await publishRetrying(this.nats.js, subject, Buffer.from(JSON.stringify(envelope)), envelope.id, h);
    }));
  }

  /** Commands decided while replaying history go out once the replay reaches the present, and only if still needed. */
  private onCaughtUp(): void {
    this.caughtUp = true;
    const pending = [...this.deferred.entries()];
    this.deferred.clear();
    let sent = 0;
    for (const [runId, batches] of pending) {
      const slot = this.slots.get(runId);
      if (!slot) continue;
      for (const b of batches) {
        const still = b.commands.filter((c) => this.decider.isPending?.(slot.state, c.command) ?? true);
        if (!still.length) continue;
        sent += still.length;
        this.enqueue(runId, () => this.sendCommands(runId, b.fact, still).catch((err) => {
          this.log.error({ runId, err: (err as Error).message }, 'could not re-send commands after catching up');
        }));
      }
    }
    this.log.info({ seq: this.watermark, resentCommands: sent }, 'caught up with IM_EVENTS');
  }

  // ---- time -------------------------------------------------------------------------------------

  private tickAll(): void {
    if (this.stopping || !this.caughtUp) return;
    const now = Date.now();
    for (const slot of this.slots.values()) {
      const at = this.decider.wakeAt?.(slot.state);
      if (at === undefined || at > now || this.actors.has(slot.runId)) continue;
      this.enqueue(slot.runId, () => this.tick(slot, now));
    }
  }

  private async tick(slot: RunSlot, now: number): Promise<void> {
    if (!this.leases?.holds(partitionOfSlot(slot, this.opts.partitions))) return;
    const ticks = this.decider.tick!(slot.state, now);
    for (const p of planInjected(this.decider, slot.runId, ticks, this.opts.producer, now)) {
      try {
        if (this.opts.validatePublished) validateMessage('evt', p.envelope);
        // Not folded now: it is decided on when the reader meets it, at its place in the stream.
        await publishInjected(this.nats.js, p, slot.lastSeq[p.subject] ?? 0);
      } catch (err) {
        this.log.warn({ runId: slot.runId, type: p.envelope.type, err: (err as Error).message }, 'tick could not publish; will try again');
      }
    }
  }

  // ---- snapshots --------------------------------------------------------------------------------

  private snapshot(final = false): Promise<void> {
    if (this.snapshotting) return final ? this.snapshotting.then(() => this.snapshot(true)) : this.snapshotting;
    const run = this.writeSnapshots().finally(() => {
      if (this.snapshotting === run) this.snapshotting = undefined;
    });
    this.snapshotting = run;
    return run;
  }

  private async writeSnapshots(): Promise<void> {
    for (const p of this.ownedPartitions) {
      if (!this.leases?.holds(p)) continue;
      // The watermark speaks for a partition only if the reader session replayed it from its own position.
      const pos = Math.max(this.partitionPos.get(p) ?? 0, this.covered.has(p) ? this.watermark : 0);
      const runs = [...this.dirty.entries()].filter(([runId]) => partitionOf(runId, this.opts.partitions) === p);
      if (!runs.length && pos === this.savedPos.get(p)) continue;
      // Captured synchronously: a slot changes only between awaits, and then all its fields at once.
      const captured = runs.flatMap(([runId, version]) => {
        const s = this.slots.get(runId);
        return s ? [{ version, slot: { ...s, lastSeq: { ...s.lastSeq } } }] : [];
      });
      try {
        await this.store!.save(p, pos, captured.map((c) => c.slot), () => this.leases?.holds(p) ?? false);
        this.partitionPos.set(p, pos);
        this.savedPos.set(p, pos);
        this.log.debug({ partition: p, pos, runs: captured.length }, 'snapshot written');
        for (const c of captured) if (this.dirty.get(c.slot.runId) === c.version) this.dirty.delete(c.slot.runId);
      } catch (err) {
        if (err instanceof SnapshotFencedError) {
          this.log.warn({ partition: p, err: err.message }, 'another replica writes this partition now; giving it up');
          await this.leases?.drop(p, "snapshot fenced");
          this.reconfigure(this.leases?.owned() ?? []);
        } else this.log.warn({ partition: p, err: (err as Error).message }, 'snapshot failed; will retry');
      }
    }
  }
}

const partitionOfSlot = (slot: RunSlot, partitions: number) => partitionOf(slot.runId, partitions);
