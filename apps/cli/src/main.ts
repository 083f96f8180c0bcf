#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { checksumCommand, dlqCommand, migrateCommand, provisionCommand, rebuildCommand, verifyLedgerCommand } from './commands/infra';
import { REPLAY_HELP, replayCommand } from './commands/replay';
import {
  budgetExtendCommand, dossierCommand, dlqListCommand, dlqRedriveCommand, eventsCommand, runShowCommand, runsListCommand, runsWatchCommand,
  simpleCommand, submitCommand, taskRetryCommand, waiverCommand,
} from './commands/runs';
import { CliError, EXIT } from './commands/api-client';
import { stateCommand } from './commands/state';

/** The package version, read from package.json (dist/apps/cli/src -> repository root). */
function version(): string {
  for (const up of ['../../../..', '../../..']) {
    try {
      return JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')).version;
    } catch { /* try the next layout */ }
  }
  return '0.0.0';
}

const program = new Command('ideamine')
  .description('IdeaMine operator CLI')
  .version(version(), '-V, --version')
  .showHelpAfterError()
  .exitOverride()
  .addHelpText('after', `
Exit codes of submit --wait/--follow and runs watch:
  0 completed, 2 failed, 3 paused or blocked, 4 cancelled, 1 usage or infrastructure error.
Environment: IM_API_URL (default http://127.0.0.1:8080), IM_API_KEY; NATS_URL, DATABASE_URL for the infra commands.`);

const api = (c: Command) => c.option('--api <url>', 'API base URL (IM_API_URL)').option('--key <key>', 'API key (IM_API_KEY)');
const read = (c: Command) => api(c).option('--json', 'print JSON');
const collect = (v: string, prev: string[] = []) => [...prev, v];

// Infrastructure (talk to NATS / Postgres directly).
program.command('migrate').description('apply database migrations (DATABASE_URL)').action(migrateCommand);
program.command('provision').description('create missing streams, KV and object stores from deploy/nats/jetstream.yaml (NATS_URL)')
  .option('--update', 'apply the spec to live streams that differ').option('--replicas <n>', 'override num_replicas').option('--spec <file>', 'spec file').action(provisionCommand);
program.command('rebuild').description('rebuild every read model from the event stream and swap it in without downtime').action(rebuildCommand);
program.command('replay').description('rebuild read models from the event stream into new tables, then swap them in; resumes an interrupted replay')
  .option('--projection <name>', `only this read model (repeatable); ${REPLAY_HELP}`, (v: string, prev: string[] = []) => [...prev, v]).option('--batch <n>', 'events per transaction', '2000')
  .option('--no-progress', 'no progress bar').action(replayCommand);
program.command('verify-ledger').description('check the hash chain of the ledger; exits 1 if broken').action(verifyLedgerCommand);
program.command('checksum').description('print a checksum of every read-model table').action(checksumCommand);
program.command('state <runId>').description("print each decider's state of a run, folded from the event stream (NATS_URL)")
  .option('--decider <name>', 'only this decider: planner, scheduler, gatekeeper, supervisor, dossier').action(stateCommand);

// Runs (through the HTTP API).
read(program.command('submit <idea>').description('submit an idea; prints the run id')
  .option('--target-user <u>', 'a target user group (repeatable)', collect).option('--constraint <c>', 'a constraint (repeatable)', collect)
  .option('--tokens <n>', 'token budget').option('--usd <n>', 'USD budget').option('--config-set <name>', 'phase configuration set')
  .option('--idempotency-key <key>', 'retrying with the same key names the same run')
  .addOption(new Option('--wait', 'wait until the run ends, pauses or blocks; exit code says how').conflicts('follow'))
  .option('--follow', 'like --wait, with live progress bars per phase')).action(submitCommand);

const runs = program.command('runs').description('list, show and watch runs');
read(runs.command('list').description('runs, newest first')
  .addOption(new Option('--status <s>', 'only this status').choices(['pending', 'running', 'paused', 'blocked', 'completed', 'failed', 'cancelled']))
  .option('--q <text>', 'text in the idea').option('--limit <n>', 'per page', '50').option('--cursor <c>', 'page cursor').option('--all', 'every page')).action(runsListCommand);
read(runs.command('show <runId>').description('a run and its phases')).action(runShowCommand);
read(runs.command('watch <runId>').description('live progress bars per phase until the run ends (exit code as for submit --wait)')).action(runsWatchCommand);
for (const action of ['cancel', 'pause', 'resume'] as const) {
  read(runs.command(`${action} <runId>`).description(`${action} a run`).option('--reason <text>')).action((id, opts) => simpleCommand(id, action, opts));
}

read(program.command('events <runId>').description("a run's events")
  .option('--type <types>', 'comma-separated event types').option('--after <seq>', 'after this stream sequence').option('--limit <n>', 'how many', '500')
  .option('--follow', 'keep following live (SSE)')).action(eventsCommand);

const dossier = program.command('dossier').description('the release dossier');
read(dossier.command('open <runId>').description('download and open the dossier (HTML by default)').option('--format <f>', 'json, html or pdf').option('--out <file>')).action((id, o) => dossierCommand('open', id, o));
read(dossier.command('save <runId>').description('save the dossier (PDF by default)').option('--format <f>', 'json, html or pdf').option('--out <file>')).action((id, o) => dossierCommand('save', id, o));

const budget = program.command('budget').description('run budgets');
read(budget.command('extend <runId>').description('raise the budget (resumes a run paused by it)')
  .option('--tokens <n>').option('--usd <n>').option('--tool-minutes <n>').option('--wallclock-minutes <n>')).action(budgetExtendCommand);

const waiver = program.command('waiver').description('gate waivers');
read(waiver.command('grant <runId>').description('waive one guard of one phase')
  .requiredOption('--phase <p>').requiredOption('--guard <g>').requiredOption('--reason <r>').option('--expires <iso>', 'expiry (default: in --hours)').option('--hours <n>', 'valid for', '24'))
  .action((id, o) => waiverCommand('grant', id, o));
read(waiver.command('revoke <runId>').description('revoke a waiver').requiredOption('--phase <p>').requiredOption('--guard <g>').requiredOption('--reason <r>'))
  .action((id, o) => waiverCommand('revoke', id, o));

const task = program.command('task').description('tasks');
read(task.command('retry <runId> <taskId>').description('retry a failed or quarantined task').option('--reason <r>')).action(taskRetryCommand);

const dlq = program.command('dlq').description('dead letters (through the API)');
read(dlq.command('list').description('dead letters with their reasons').option('--limit <n>', 'how many', '50').option('--cursor <c>')).action(dlqListCommand);
read(dlq.command('redrive <seq>').description('resend a dead-lettered command')).action(dlqRedriveCommand);
dlq.command('local').description('list dead letters straight from NATS (NATS_URL), no API needed').option('--limit <n>', 'how many', '20').action(dlqCommand);

// Older spellings, kept so scripts keep working.
read(program.command('status <runId>', { hidden: true }).description('same as runs show')).action(runShowCommand);
for (const action of ['cancel', 'pause', 'resume'] as const) {
  read(program.command(`${action} <runId>`, { hidden: true }).option('--reason <text>')).action((id, opts) => simpleCommand(id, action, opts));
}

program.parseAsync().catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // --help and --version end with code 0; every usage error with 1.
    process.exit(err.exitCode === 0 ? 0 : EXIT.usage);
  }
  console.error(`error: ${(err as Error).message}`);
  process.exit(err instanceof CliError ? err.exitCode : EXIT.infrastructure);
});
