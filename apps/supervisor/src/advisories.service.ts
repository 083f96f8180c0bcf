import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, nanos } from 'nats';
import { STREAMS } from '@ideamine/contracts';
import { NatsResources } from '@ideamine/jetstream';
import { LOGGER, NATS } from '@ideamine/service-kit';
import type { Logger } from '@ideamine/telemetry';
import { deadLetterPoison, MaxDeliveriesAdvisory } from './poison';

const DURABLE = 'supervisor-advisories';

/** Reads max-deliveries advisories from the IM_ADVISORIES stream (durable, so none is missed). */
@Injectable()
export class AdvisoriesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private closer?: () => Promise<void>;

  constructor(@Inject(NATS) private readonly nats: NatsResources, @Inject(LOGGER) private readonly logger: Logger) {}

  async onApplicationBootstrap() {
    await this.nats.jsm.consumers.add(STREAMS.advisories, { durable_name: DURABLE, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: nanos(30_000), max_deliver: 20 }).catch(() => undefined);
    void this.loop();
  }

  private async loop() {
    while (!this.stopped) {
      try {
        const consumer = await this.nats.js.consumers.get(STREAMS.advisories, DURABLE);
        const messages = await consumer.consume({ max_messages: 16 });
        this.closer = async () => void (await messages.close());
        for await (const m of messages) {
          try {
            await deadLetterPoison(this.nats, m.json<MaxDeliveriesAdvisory>(), this.logger);
            m.ack();
          } catch (err) {
            this.logger.warn({ err: (err as Error).message }, 'could not dead-letter poison message; retrying');
            m.nak(2000);
          }
        }
      } catch (err) {
        if (!this.stopped) this.logger.warn({ err: (err as Error).message }, 'advisory consumer interrupted');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async onApplicationShutdown() {
    this.stopped = true;
    await this.closer?.();
  }
}
