import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import type { Logger } from '@ideamine/telemetry';

/** A connected NATS with its JetStream handles; one per process. */
export interface NatsResources {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  logger: Logger;
}
