import type { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor, Page, toPage } from '../../projection/cursor';
import { PhaseEntity } from '../phases/phases.entity';
import { RunEntity } from './runs.entity';

export interface ListRunsQuery {
  /** A stored status, or 'blocked': running with a phase waiting on a person. */
  status?: string;
  limit: number;
  cursor?: string;
}

/** Runs, newest first, keyset-paginated on (created_at, run_id): every run can be reached. */
export async function listRuns(ds: DataSource, q: ListRunsQuery): Promise<Page<RunEntity>> {
  const qb = ds.getRepository(RunEntity).createQueryBuilder('r');
  if (q.status === 'blocked') {
    qb.where(`r.status = 'running' AND EXISTS (SELECT 1 FROM rm.phases p WHERE p.run_id = r.run_id AND p.status = 'blocked')`);
  } else if (q.status) {
    qb.where('r.status = :status', { status: q.status });
  }
  if (q.cursor) {
    const [at, id] = decodeCursor(q.cursor, ['time', 'string']);
    qb.andWhere('(r.created_at, r.run_id) < (:at::timestamptz, :id)', { at, id });
  }
  const rows = await qb.orderBy('r.created_at', 'DESC').addOrderBy('r.run_id', 'DESC').limit(q.limit + 1).getMany();
  return toPage(rows, q.limit, (r) => encodeCursor([r.createdAt.toISOString(), r.runId]));
}

export async function findRun(ds: DataSource, runId: string): Promise<RunEntity | null> {
  return ds.getRepository(RunEntity).findOneBy({ runId });
}

export async function listPhases(ds: DataSource, runId: string): Promise<PhaseEntity[]> {
  return ds.getRepository(PhaseEntity).find({ where: { runId }, order: { level: 'ASC', phase: 'ASC' } });
}
