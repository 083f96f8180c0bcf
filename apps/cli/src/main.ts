#!/usr/bin/env node
import { Command } from 'commander';
import { checksumCommand, dlqCommand, migrateCommand, provisionCommand, rebuildCommand, verifyLedgerCommand } from './commands/infra';
import { CliError, simpleCommand, statusCommand, submitCommand } from './commands/runs';
import { REPLAY_HELP, replayCommand } from './commands/replay';

const program = new Command('ideamine').description('IdeaMine operator CLI').showHelpAfterError();
const api = (c: Command) => c.option('--api <url>', 'API base URL (IM_API_URL)').option('--key <key>', 'API key (IM_API_KEY)');
const collect = (v: string, prev: string[] = []) => [...prev, v];

program.command('migrate').description('apply database migrations (DATABASE_URL)').action(migrateCommand);
program.command('provision').description('create missing streams, KV and object stores from deploy/nats/jetstream.yaml (NATS_URL)')
  .option('--update', 'apply the spec to live streams that differ').option('--replicas <n>', 'override num_replicas').option('--spec <file>', 'spec file').action(provisionCommand);
program.command('rebuild').description('rebuild every read model from the event stream and swap it in without downtime').action(rebuildCommand);
program.command('replay').description('rebuild read models from the event stream into new tables, then swap them in; resumes an interrupted replay')
  .option('--projection <name>', `only this read model (repeatable); ${REPLAY_HELP}`, collect).option('--batch <n>', 'events per transaction', '2000')
  .option('--no-progress', 'no progress bar').action(replayCommand);
program.command('verify-ledger').description('check the hash chain of the ledger; exits 1 if broken').action(verifyLedgerCommand);
program.command('checksum').description('print a checksum of every read-model table').action(checksumCommand);
program.command('dlq').description('list dead letters with their reasons').option('--limit <n>', 'how many', '20').action(dlqCommand);
api(program.command('submit <idea>').description('submit an idea; prints the run id')
  .option('--target-user <u>', 'a target user group (repeatable)', collect).option('--constraint <c>', 'a constraint (repeatable)', collect).option('--wait', 'follow the run until it ends')).action(submitCommand);
api(program.command('status <runId>').description('show a run and its phases').option('--json', 'raw JSON')).action(statusCommand);
for (const action of ['cancel', 'pause', 'resume'] as const) {
  api(program.command(`${action} <runId>`).description(`${action} a run`).option('--reason <text>')).action((id, opts) => simpleCommand(id, action, opts));
}

program.parseAsync().catch((err: Error) => {
  console.error(err instanceof CliError ? `error: ${err.message}` : `error: ${err.message}`);
  process.exit(1);
});
