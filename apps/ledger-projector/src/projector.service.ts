import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { JsMsg } from 'nats';
import type { DataSource } from 'typeorm';
import { STREAMS } from '@ideamine/contracts';
import { deadLetter, followStream, NatsResources } from '@ideamine/jetstream';
import { ReadModelProjector, StoredEvent } from '@ideamine/persistence';
import { LOGGER, NATS } from '@ideamine/service-kit';
import { Logger, messagesHandled } from '@ideamine/telemetry';
import { DATA_SOURCE } from './tokens';

const BATCH = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows IM_EVENTS from the position stored in Postgres (ordered consumer, nothing to ack) and
 * applies batches in one transaction each with the new position. Postgres outages are waited out.
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private follower?: { stop(): Promise<void> };
  private buffer: StoredEvent[] = [];
  private stopping = false;

  constructor(
    @Inject(NATS) private readonly nats: NatsResources,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap() {
    const projector = new ReadModelProjector(this.ds);
    const from = (await projector.position()) + 1;
    this.logger.info({ fromSeq: from }, 'projecting IM_EVENTS');
    this.follower = await followStream(this.nats.js, STREAMS.events, { fromSeq: from }, async (m: JsMsg) => {
      this.buffer.push({ seq: m.seq, subject: m.subject, data: m.data });
      if (m.info.pending === 0 || this.buffer.length >= BATCH) await this.flush(projector);
    });
  }

  private async flush(projector: ReadModelProjector) {
    let delay = 250;
    while (this.buffer.length && !this.stopping) {
      try {
        const r = await projector.applyBatch(this.buffer);
        this.buffer = [];
        messagesHandled.inc({ consumer: 'ledger-projector', outcome: 'ack' }, r.applied);
        for (const bad of r.rejected) {
          this.logger.error({ seq: bad.seq, subject: bad.subject, reason: bad.reason }, 'invalid event kept out of the read models; dead-lettered');
          const msg = await this.nats.jsm.streams.getMessage(STREAMS.events, { seq: bad.seq });
          await deadLetter(this.nats.js, { stream: STREAMS.events, consumer: 'ledger-projector', seq: bad.seq, subject: bad.subject, data: msg.data }, bad.reason);
        }
        return;
      } catch (err) {
        // The batch stays buffered: nothing is lost, and the checkpoint guard skips what committed.
        this.logger.warn({ err: (err as Error).message, delay }, 'projection batch failed; retrying');
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  async onApplicationShutdown() {
    this.stopping = true;
    await this.follower?.stop();
  }
}
