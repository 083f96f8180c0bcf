import { connect, ConnectionOptions, NatsConnection, Events } from 'nats';
import type { Logger } from '@ideamine/telemetry';

export interface NatsConnectOptions {
  url: string;
  name: string;
  logger: Logger;
  /** Called once the connection is closed for good (default: exit the process so the orchestrator restarts it). */
  onClosed?: (err: Error | void) => void;
}

/**
 * nats.js ignores credentials written into a server URL, so `nats://user:pass@host:4222` (the form
 * deploy/ uses) is split here into servers and user/pass.
 */
export function natsServerOptions(url: string): Pick<ConnectionOptions, 'servers' | 'user' | 'pass'> {
  let user: string | undefined;
  let pass: string | undefined;
  const servers = url.split(',').map((raw) => {
    const s = raw.trim();
    const m = /^(nats|tls|ws|wss):\/\/([^@/]*)@(.*)$/.exec(s);
    if (!m) return s;
    const [u, p] = m[2].split(':');
    user ??= decodeURIComponent(u);
    if (p !== undefined) pass ??= decodeURIComponent(p);
    return `${m[1]}://${m[3]}`;
  });
  return { servers, ...(user ? { user } : {}), ...(pass !== undefined ? { pass } : {}) };
}

/**
 * Connects and reconnects forever: a service outlives any nats-server restart. If the connection is
 * ever closed for good, the process exits non-zero instead of idling as a zombie that looks healthy.
 */
export async function connectNats(opts: NatsConnectOptions): Promise<NatsConnection> {
  const nc = await connect({
    ...natsServerOptions(opts.url),
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
    // An async stack trace per request costs ~15 % of a busy service's CPU (FINDINGS C).
    noAsyncTraces: true,
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
