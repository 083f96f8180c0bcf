import { UnknownProjectionError } from '../errors';
import { CheckpointEntity } from '../projection/checkpoint.entity';
import type { Projection } from '../projection/projection';
import type { EntityClass } from '../projection/table-shape';
import { artifactsProjection } from './artifacts/artifacts.projection';
import { costsProjection } from './costs/costs.projection';
import { deadLettersProjection } from './dead-letters/dead-letters.projection';
import { dossiersProjection } from './dossiers/dossiers.projection';
import { EventIdEntity } from './events/events.entity';
import { eventIdsProjection, eventsProjection } from './events/events.projection';
import { gateEvaluationsProjection } from './gate-evaluations/gate-evaluations.projection';
import { knowledgeMapProjection } from './knowledge-map/knowledge-map.projection';
import { ledgerProjection } from './ledger/ledger.projection';
import { phaseMetricsProjection } from './phase-metrics/phase-metrics.projection';
import { phasesProjection } from './phases/phases.projection';
import { runsProjection } from './runs/runs.projection';
import { tasksProjection } from './tasks/tasks.projection';
import { timersProjection } from './timers/timers.projection';
import { waiversProjection } from './waivers/waivers.projection';

/**
 * Every read model, once. Migrations, the projector, replay and checksums take their list of
 * tables from here; views are created in this order, after all tables.
 */
export const READ_MODELS: readonly Projection[] = [
  eventsProjection,
  ledgerProjection,
  runsProjection,
  phasesProjection,
  tasksProjection,
  timersProjection,
  gateEvaluationsProjection,
  waiversProjection,
  artifactsProjection,
  costsProjection,
  phaseMetricsProjection,
  knowledgeMapProjection,
  dossiersProjection,
  deadLettersProjection,
];

export const READ_MODEL_NAMES = READ_MODELS.map((p) => p.name);

/** Entities the DataSource maps: the read models' tables, the checkpoint, and the replay's event_ids. */
export const ENTITIES: EntityClass[] = [CheckpointEntity, ...READ_MODELS.flatMap((p) => p.entities), EventIdEntity];

export { eventIdsProjection };

export function readModel(name: string): Projection {
  const p = READ_MODELS.find((x) => x.name === name);
  if (!p) throw new UnknownProjectionError(name, READ_MODEL_NAMES);
  return p;
}
