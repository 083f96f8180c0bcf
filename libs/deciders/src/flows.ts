import { AGGREGATES, COMMAND_CATALOG, CommandName, EVENT_CATALOG, EventType } from '@ideamine/contracts';
import type { AnyDecider } from '@ideamine/decider';
import { dossierDecider } from './dossier/dossier.decider';
import { gatekeeperDecider } from './gatekeeper/gatekeeper.decider';
import { plannerDecider } from './planner/planner.decider';
import { schedulerDecider } from './scheduler/scheduler.decider';
import { supervisorDecider } from './supervisor/supervisor.decider';

export const DECIDERS: AnyDecider[] = [plannerDecider, schedulerDecider(), gatekeeperDecider, supervisorDecider, dossierDecider];

/** Consumers that are not deciders, by what they read (kept here so FLOWS.md says everything). */
const OTHER_COMMAND_CONSUMERS: Partial<Record<CommandName, string>> = {
  'submit-run': 'planner intake (loads the phase YAML, appends `run.requested`)',
  'compile-dossier': 'dossier compiler',
  'run-task': 'worker',
};

/** Commands the deciders send (their runners publish them once the decision's events are committed). */
const DECIDER_COMMANDS: Partial<Record<CommandName, string>> = { 'run-task': 'scheduler', 'compile-dossier': 'dossier decider' };

const code = (s: string) => `\`${s}\``;

/**
 * proto-events/FLOWS.md: for every event type, who produces it and which deciders fold or decide
 * on it (from their `observes` sets, the one place a decider declares its inputs); for every
 * command, how it travels, who sends it and who acts on it. Generated, and checked by a spec.
 */
export function flowsMarkdown(): string {
  const lines = [
    '# Flows: who produces each message and who reads it',
    '',
    'Generated from the catalogs in `libs/contracts` and the deciders\' `observes` sets in',
    '`libs/deciders` (`npm run proto:gen`); `libs/deciders/src/flows.unit.spec.ts` fails when it is stale.',
    'Every event is also projected by the ledger-projector into the read models, and can be tapped',
    '(SUBJECTS.md, section 8).',
    '',
    '## Events',
    '',
    '| event | family | produced by | read by (deciders) |',
    '|---|---|---|---|',
  ];
  for (const type of Object.keys(EVENT_CATALOG).sort() as EventType[]) {
    const kind = EVENT_CATALOG[type].aggregate;
    const producer = type === 'run.requested' ? 'planner intake' : type === 'timer.fired' ? 'supervisor (tick)' : type === 'dossier.compiled' ? 'dossier compiler' : AGGREGATES[kind];
    const readers = DECIDERS.filter((d) => d.observes.has(type)).map((d) => d.service);
    lines.push(`| ${code(type)} | ${code(kind)} | ${producer} | ${readers.join(', ') || '-'} |`);
  }
  lines.push('', '## Commands', '', '| command | via | sent by | acted on by |', '|---|---|---|---|');
  for (const name of Object.keys(COMMAND_CATALOG).sort() as CommandName[]) {
    const c = COMMAND_CATALOG[name];
    const via = c.via === 'log' ? `log (${code(`im.evt.<runId>.cmd.${c.service}`)})` : `queue (${code(name === 'run-task' ? 'im.cmd.worker.<pool>' : `im.cmd.${c.service}.${name}`)})`;
    const senders = ['api', DECIDER_COMMANDS[name]].filter((s) => s && !(name === 'run-task' && s === 'api'));
    const actor = c.via === 'log' ? `${c.service} decider` : OTHER_COMMAND_CONSUMERS[name] ?? c.service;
    lines.push(`| ${code(name)} | ${via} | ${senders.join(', ')} | ${actor} |`);
  }
  return `${lines.join('\n')}\n`;
}
