import type { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor, Page, toPage } from '../../projection/cursor';
import { TaskAttemptEntity, TaskEntity } from './tasks.entity';

/** A run's tasks in the order they were scheduled, keyset-paginated on (scheduled_at, task_id). */
export async function listTasks(ds: DataSource, runId: string, q: { limit: number; cursor?: string }): Promise<Page<TaskEntity>> {
  const qb = ds.getRepository(TaskEntity).createQueryBuilder('t').where('t.run_id = :runId', { runId });
  if (q.cursor) {
    const [at, id] = decodeCursor(q.cursor, ['time', 'string']);
    qb.andWhere('(t.scheduled_at, t.task_id) > (:at::timestamptz, :id)', { at, id });
  }
  const rows = await qb.orderBy('t.scheduled_at', 'ASC').addOrderBy('t.task_id', 'ASC').limit(q.limit + 1).getMany();
  return toPage(rows, q.limit, (t) => encodeCursor([t.scheduledAt.toISOString(), t.taskId]));
}

export async function listAttempts(ds: DataSource, taskId: string): Promise<TaskAttemptEntity[]> {
  return ds.getRepository(TaskAttemptEntity).find({ where: { taskId }, order: { attempt: 'ASC' } });
}
