import { BadRequestException, Controller, Get, Inject, NotFoundException, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { costBreakdown, costByPhase, findRun, gateHistory, gateSuccessMetrics, phasePerformance, runTimeline } from '@ideamine/persistence';
import { DATA_SOURCE } from '../tokens';
import { PageQuery, withCursor } from './page.dto';

const uuid = new ParseUUIDPipe({ version: '7', exceptionFactory: () => new BadRequestException('run id must be a UUIDv7') });

/**
 * Read-only query endpoints over the read models' views and functions: what a run cost (by phase,
 * agent, provider, model), its gate history, what happened when, and how phases perform across
 * runs. (/costs and /gates of RunDetailsController fold events in the API; these read the views.)
 */
@ApiTags('insights')
@ApiBearerAuth()
@Controller('v1')
export class InsightsController {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  private async run(id: string) {
    if (!(await findRun(this.ds, id))) throw new NotFoundException(`run ${id} not found (a run just submitted appears within a second or two)`);
  }

  /** get_cost_breakdown(run) and cost_by_phase: spend by phase, agent, provider and model. */
  @Get('runs/:id/cost-breakdown')
  async costs(@Param('id', uuid) id: string) {
    await this.run(id);
    const [breakdown, byPhase] = await Promise.all([costBreakdown(this.ds, id), costByPhase(this.ds, id)]);
    const total = byPhase.reduce((t, p) => ({ tasks: t.tasks + p.tasks, tokens: t.tokens + p.tokens, usd: Math.round((t.usd + p.usd) * 1e9) / 1e9 }), { tasks: 0, tokens: 0, usd: 0 });
    return { runId: id, total, byPhase, breakdown };
  }

  /** get_gate_history(run): every gate attempt with its guards and verdict. */
  @Get('runs/:id/gate-history')
  async gates(@Param('id', uuid) id: string) {
    await this.run(id);
    return { runId: id, history: await gateHistory(this.ds, id) };
  }

  /** run_timeline: the run's events in order, with the time since its first one; paginated by stream sequence. */
  @Get('runs/:id/timeline')
  async timeline(@Param('id', uuid) id: string, @Query() q: PageQuery) {
    await this.run(id);
    const page = await withCursor(() => runTimeline(this.ds, id, { limit: q.limit ?? 200, cursor: q.cursor }));
    return { runId: id, entries: page.items, nextCursor: page.nextCursor };
  }

  /** phase_performance (and get_avg_phase_duration): how each phase does across runs. */
  @Get('insights/phase-performance')
  async phasePerformance() {
    return { phases: await phasePerformance(this.ds) };
  }

  /** gate_success_metrics: pass rates by phase across runs. */
  @Get('insights/gates')
  async gateSuccess() {
    return { phases: await gateSuccessMetrics(this.ds) };
  }
}
