import { connect, NatsConnection, Events } from 'nats';
import type { Logger } from '@ideamine/telemetry';

export interface NatsConnectOptions {
  url: string;
  name: string;
  logger: Logger;
  /** Called once the connection is closed for good (default: exit the process so the orchestrator restarts it). */
  onClosed?: (err: Error | void) => void;
}

/**
 * Connects and reconnects forever: a service outlives any nats-server restart. If the connection is
 * ever closed for good, the process exits non-zero instead of idling as a zombie that looks healthy.
 */
export async function connectNats(opts: NatsConnectOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: opts.url.split(','),
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
  });
  opts.logger.info({ server: nc.getServer() }, 'connected to NATS');
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === Events.Disconnect) opts.logger.warn({ server: s.data }, 'NATS disconnected; reconnecting');
      else if (s.type === Events.Reconnect) opts.logger.info({ server: s.data }, 'NATS reconnected');
      else if (s.type === Events.Error) opts.logger.error({ err: s.data }, 'NATS error');
    }
  })();
  void nc.closed().then((err) => {
    if (opts.onClosed) return opts.onClosed(err);
    if (err) {
      opts.logger.fatal({ err }, 'NATS connection closed with an error; exiting');
      process.exit(1);
    }
  });
  return nc;
}
