import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { MultiBar, Presets, SingleBar } from 'cli-progress';
import { ApiOptions, call, CliError, download, Envelope, EXIT, finalOutcomeOf, followRun, haltOf, Outcome } from './api-client';

export { CliError } from './api-client';

const print = (opts: ApiOptions, value: unknown, human: () => void) => (opts.json ? console.log(JSON.stringify(value, null, 2)) : human());
const pad = (s: unknown, n: number) => String(s ?? '').padEnd(n);

export async function runsListCommand(opts: ApiOptions & { status?: string; q?: string; limit?: string; cursor?: string; all?: boolean }) {
  const runs: any[] = [];
  let cursor = opts.cursor;
  let next: string | null = null;
  do {
    const qs = new URLSearchParams({ limit: opts.limit ?? '50', ...(opts.status ? { status: opts.status } : {}), ...(opts.q ? { q: opts.q } : {}), ...(cursor ? { cursor } : {}) });
    const page = await call(opts, 'GET', `/v1/runs?${qs}`);
    runs.push(...page.runs);
    next = page.nextCursor;
    cursor = next ?? undefined;
  } while (opts.all && next);
  print(opts, { runs, nextCursor: opts.all ? null : next }, () => {
    if (!runs.length) return console.log('no runs');
    for (const r of runs) console.log(`${r.runId}  ${pad(r.status, 10)} ${String(r.phasesDone).padStart(2)}/${pad(r.phasesTotal, 3)} ${r.createdAt.slice(0, 19)}  ${r.idea.slice(0, 60)}`);
    if (next && !opts.all) console.log(`more: --cursor ${next}`);
  });
}

export async function runShowCommand(runId: string, opts: ApiOptions) {
  const run = await call(opts, 'GET', `/v1/runs/${encodeURIComponent(runId)}`);
  print(opts, run, () => {
    console.log(`${run.runId}  ${run.status}${run.reason ? ` (${run.reason})` : ''}`);
    console.log(`  ${run.idea.slice(0, 200)}`);
    console.log(`  usage ${run.usage.tokens} tokens, $${run.usage.usd} of ${run.budget.tokens} tokens, $${run.budget.usd}`);
    for (const p of run.phases) console.log(`  ${String(p.level).padStart(2)} ${pad(p.phase, 14)} ${pad(p.status, 10)} ${p.progress.done}/${p.progress.total}${p.score !== null ? `  gate ${p.score}` : ''}${p.gateAttempts > 1 ? ` (${p.gateAttempts} attempts)` : ''}`);
    if (run.dossier) console.log(`  dossier ${run.dossier.version}, ${run.dossier.completeness}% complete`);
  });
}

const exitFor = (o: Outcome) => EXIT[o];

/**
 * Follows a run through SSE until it completes, fails, is cancelled, pauses or blocks. With bars,
 * one progress bar per phase (tasks done / total) and the gate score as it lands.
 */
export async function watchRun(runId: string, opts: ApiOptions, mode: 'bars' | 'quiet'): Promise<{ outcome: Outcome; reason: string }> {
  const tty = mode === 'bars' && process.stderr.isTTY;
  const multi = mode === 'bars'
    ? new MultiBar({ format: ' {phase} |{bar}| {value}/{total} {status}', hideCursor: true, clearOnComplete: false, stopOnComplete: false, noTTYOutput: !tty, notTTYSchedule: 2000, stream: process.stderr }, Presets.shades_classic)
    : undefined;
  const bars = new Map<string, SingleBar>();
  const bar = (phase: string) => {
    let b = bars.get(phase);
    if (!b && multi) bars.set(phase, (b = multi.create(1, 0, { phase: phase.padEnd(12), status: 'started' })));
    return b;
  };
  // The stream replays the run from its start: a pause that was later resumed must not end the
  // wait. So a pause or block ends it only once the run's current status confirms it (the read
  // model lags the stream by a moment, hence a few tries).
  let check: ReturnType<typeof setTimeout> | undefined;
  const confirmHalt = (halt: { outcome: Outcome; reason: string }, settle: (v: { outcome: Outcome; reason: string }) => void, tries = 0) => {
    clearTimeout(check);
    check = setTimeout(() => {
      call(opts, 'GET', `/v1/runs/${encodeURIComponent(runId)}`).then((run) => {
        if (run.status === halt.outcome) settle({ outcome: halt.outcome, reason: run.reason ?? halt.reason });
        else if (!['completed', 'failed', 'cancelled', 'running'].includes(run.status) || tries < 10) confirmHalt(halt, settle, tries + 1);
      }, () => tries < 10 && confirmHalt(halt, settle, tries + 1));
    }, 400);
  };
  try {
    return await followRun(opts, runId, (e: Envelope, _seq, settle) => {
      const p = e.payload ?? {};
      if (e.type === 'phase.started') bar(p.phase);
      if (e.type === 'phase.progress') {
        bar(p.phase)?.setTotal(Math.max(1, p.total));
        bar(p.phase)?.update(p.done, { status: 'running' });
      }
      if (e.type === 'gate.evaluated') bar(p.phase)?.update({ status: `gate ${p.score} (attempt ${p.gateAttempt})` });
      if (e.type === 'phase.completed') {
        const b = bar(p.phase);
        b?.setTotal(Math.max(1, b.getTotal()));
        b?.update(b.getTotal(), { status: `done, gate ${p.score}` });
      }
      if (e.type === 'phase.failed' || e.type === 'phase.blocked') bar(p.phase)?.update({ status: `${e.type.split('.')[1]}: ${String(p.reason ?? '').slice(0, 60)}` });
      const halt = haltOf(e);
      if (halt) confirmHalt(halt, settle);
      else if (e.type === 'run.resumed' || e.type === 'phase.started') clearTimeout(check);
      return finalOutcomeOf(e);
    });
  } finally {
    clearTimeout(check);
    multi?.stop();
  }
}

export async function runsWatchCommand(runId: string, opts: ApiOptions) {
  const r = await watchRun(runId, opts, 'bars');
  finish(runId, r, opts);
}

function finish(runId: string, r: { outcome: Outcome; reason: string }, opts: ApiOptions) {
  print(opts, { runId, outcome: r.outcome, reason: r.reason || null, exitCode: exitFor(r.outcome) }, () => console.error(`run ${runId} ${r.outcome}${r.reason ? `: ${r.reason}` : ''}`));
  process.exitCode = exitFor(r.outcome);
}

export async function submitCommand(idea: string, opts: ApiOptions & {
  targetUser?: string[]; constraint?: string[]; wait?: boolean; follow?: boolean; idempotencyKey?: string; configSet?: string;
  tokens?: string; usd?: string;
}) {
  const budget = opts.tokens || opts.usd ? { tokens: Number(opts.tokens ?? 5_000_000), usd: Number(opts.usd ?? 100), toolMinutes: 600, wallclockMinutes: 3000 } : undefined;
  if (budget && (!Number.isFinite(budget.tokens) || !Number.isFinite(budget.usd))) throw new CliError('--tokens and --usd must be numbers');
  const r = await call(opts, 'POST', '/v1/runs', {
    idea, targetUsers: opts.targetUser ?? [], constraints: opts.constraint ?? [], ...(budget ? { budget } : {}), ...(opts.configSet ? { configSet: opts.configSet } : {}),
  }, opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {});
  if (!opts.wait && !opts.follow) return print(opts, r, () => console.log(r.runId));
  if (!opts.json) console.log(r.runId);
  finish(r.runId, await watchRun(r.runId, opts, opts.follow ? 'bars' : 'quiet'), opts);
}

export async function eventsCommand(runId: string, opts: ApiOptions & { type?: string; after?: string; limit?: string; follow?: boolean }) {
  const line = (e: any) => console.log(opts.json ? JSON.stringify(e) : `#${e.seq ?? ''} ${e.occurredAt} ${pad(e.type, 20)} ${summary(e)}`);
  if (opts.follow) {
    await followRun(opts, runId, (e, seq) => {
      if (!opts.type || opts.type.split(',').includes(e.type)) line({ seq, ...e });
      return undefined;
    });
    return;
  }
  const qs = new URLSearchParams({ limit: opts.limit ?? '500', ...(opts.type ? { type: opts.type } : {}), ...(opts.after ? { after: opts.after } : {}) });
  const page = await call(opts, 'GET', `/v1/runs/${encodeURIComponent(runId)}/events?${qs}`);
  if (opts.json) return console.log(JSON.stringify(page, null, 2));
  for (const e of page.events) line(e);
  if (page.nextCursor) console.log(`more: --after ${page.events[page.events.length - 1].seq}`);
}

function summary(e: any): string {
  const p = e.payload ?? {};
  return [p.phase, p.agent, p.taskId && `task ${p.taskId}`, p.score !== undefined && `score ${p.score}`, p.reason, p.done !== undefined && `${p.done}/${p.total}`].filter(Boolean).join(' ').slice(0, 120);
}

export async function dossierCommand(action: 'open' | 'save', runId: string, opts: ApiOptions & { format?: string; out?: string }) {
  const format = opts.format ?? (action === 'open' ? 'html' : 'pdf');
  if (!['json', 'html', 'pdf'].includes(format)) throw new CliError(`--format must be json, html or pdf, not "${format}"`);
  const { body } = await download(opts, `/v1/runs/${encodeURIComponent(runId)}/dossier.${format}`);
  const file = resolve(opts.out ?? (action === 'open' ? join(mkdtempSync(join(tmpdir(), 'ideamine-')), `dossier-${runId}.${format}`) : `dossier-${runId}.${format}`));
  writeFileSync(file, body);
  if (action === 'open') {
    // Best effort: a desktop opens it; a server prints where it is.
    const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
    const child = spawn(opener, [file], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  }
  print(opts, { file, bytes: body.length, format }, () => console.log(file));
}

export async function simpleCommand(runId: string, action: 'cancel' | 'pause' | 'resume', opts: ApiOptions & { reason?: string }) {
  const r = await call(opts, 'POST', `/v1/runs/${encodeURIComponent(runId)}/${action}`, { ...(opts.reason ? { reason: opts.reason } : {}) });
  print(opts, r, () => console.log(`${action} requested (command ${r.commandId})`));
}

export async function budgetExtendCommand(runId: string, opts: ApiOptions & { tokens?: string; usd?: string; toolMinutes?: string; wallclockMinutes?: string }) {
  const add: Record<string, number> = {};
  for (const k of ['tokens', 'usd', 'toolMinutes', 'wallclockMinutes'] as const) {
    if (opts[k] === undefined) continue;
    const n = Number(opts[k]);
    if (!Number.isFinite(n) || n < 0) throw new CliError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a non-negative number, not "${opts[k]}"`);
    add[k] = n;
  }
  if (!Object.keys(add).length) throw new CliError('give at least one of --tokens, --usd, --tool-minutes, --wallclock-minutes');
  const r = await call(opts, 'POST', `/v1/runs/${encodeURIComponent(runId)}/budget`, { add });
  print(opts, r, () => console.log(`budget extension requested (command ${r.commandId})`));
}

export async function waiverCommand(action: 'grant' | 'revoke', runId: string, opts: ApiOptions & { phase: string; guard: string; reason: string; expires?: string; hours?: string }) {
  const body: Record<string, string> = { phase: opts.phase, guard: opts.guard, reason: opts.reason };
  if (action === 'grant') {
    const expires = opts.expires ?? new Date(Date.now() + Number(opts.hours ?? 24) * 3600_000).toISOString();
    if (Number.isNaN(Date.parse(expires))) throw new CliError(`--expires must be an ISO date-time, not "${expires}"`);
    body.expiresAt = new Date(expires).toISOString();
  }
  const r = await call(opts, 'POST', `/v1/runs/${encodeURIComponent(runId)}/waivers${action === 'revoke' ? '/revoke' : ''}`, body);
  print(opts, r, () => console.log(`waiver ${action} requested (command ${r.commandId})`));
}

export async function taskRetryCommand(runId: string, taskId: string, opts: ApiOptions & { reason?: string }) {
  const r = await call(opts, 'POST', `/v1/runs/${encodeURIComponent(runId)}/tasks/${encodeURIComponent(taskId)}/retry`, { ...(opts.reason ? { reason: opts.reason } : {}) });
  print(opts, r, () => console.log(`retry requested (command ${r.commandId})`));
}

export async function dlqListCommand(opts: ApiOptions & { limit?: string; cursor?: string }) {
  const qs = new URLSearchParams({ limit: opts.limit ?? '50', ...(opts.cursor ? { cursor: opts.cursor } : {}) });
  const page = await call(opts, 'GET', `/v1/dead-letters?${qs}`);
  print(opts, page, () => {
    if (!page.deadLetters.length) return console.log('no dead letters');
    for (const d of page.deadLetters) console.log(`#${d.seq} ${d.at} from ${d.sourceStream}#${d.sourceSeq} (${d.sourceSubject}) by ${d.consumer}${d.redrivable ? ' [redrivable]' : ''}\n    ${d.reason}`);
    if (page.nextCursor) console.log(`more: --cursor ${page.nextCursor}`);
  });
}

export async function dlqRedriveCommand(seq: string, opts: ApiOptions) {
  if (!/^\d+$/.test(seq)) throw new CliError(`dead letter sequence must be a number, not "${seq}"`);
  const r = await call(opts, 'POST', `/v1/dead-letters/${seq}/redrive`);
  print(opts, r, () => console.log(`redriven to ${r.subject} (seq ${r.seq})`));
}
