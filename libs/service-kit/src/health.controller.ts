import { Controller, Get, Header, HttpException, HttpStatus, Inject, Optional } from '@nestjs/common';
import type { NatsResources } from '@ideamine/jetstream';
import { metricsRegistry } from '@ideamine/telemetry';
import { NATS, READINESS_CHECKS, ReadinessCheck } from './tokens';
import { Public } from './public.decorator';

/** Liveness, readiness and Prometheus metrics; never behind the API key. */
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(NATS) private readonly nats: NatsResources,
    @Optional() @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[] = [],
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready() {
    const results: Record<string, string> = {};
    let ok = true;
    results.nats = this.nats.nc.isClosed() ? 'closed' : this.nats.nc.isDraining() ? 'draining' : 'ok';
    try {
      await Promise.race([this.nats.nc.flush(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 2s')), 2000))]);
    } catch (err) {
      results.nats = `unreachable: ${(err as Error).message}`;
    }
    if (results.nats !== 'ok') ok = false;
    for (const c of this.checks ?? []) {
      try {
        await c.check();
        results[c.name] = 'ok';
      } catch (err) {
        ok = false;
        results[c.name] = `unreachable: ${(err as Error).message}`;
      }
    }
    if (!ok) throw new HttpException({ status: 'unavailable', checks: results }, HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'ok', checks: results };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics() {
    return metricsRegistry.metrics();
  }
}
