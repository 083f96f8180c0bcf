import { Provider } from '@nestjs/common';
import {
  connectNats, loadJetStreamSpec, NatsResources, provisionJetStream,
} from '@ideamine/jetstream';
import type { Logger } from '@ideamine/telemetry';
import { LOGGER, NATS, SERVICE_CONFIG } from './tokens';
import type { ServiceConfig } from './service-config';

/** Connects, then creates any missing stream / bucket (drift is logged and left alone). */
export async function openNats(config: ServiceConfig, logger: Logger): Promise<NatsResources> {
  const nc = await connectNats({ url: config.natsUrl, name: `ideamine-${config.service}-${config.instance}`, logger });
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const report = await provisionJetStream(jsm, js, loadJetStreamSpec(config.jetstreamSpecPath), { replicas: config.natsReplicas });
  for (const line of report) {
    if (line.action === 'drifted') logger.warn({ ...line }, `${line.kind} ${line.name} differs from ${config.jetstreamSpecPath}; left alone (run: ideamine provision --update)`);
    else if (line.action === 'created') logger.info({ ...line }, `created ${line.kind} ${line.name}`);
  }
  return { nc, js, jsm, logger };
}

export const natsProvider: Provider = {
  provide: NATS,
  inject: [SERVICE_CONFIG, LOGGER],
  useFactory: (config: ServiceConfig, logger: Logger) => openNats(config, logger),
};
