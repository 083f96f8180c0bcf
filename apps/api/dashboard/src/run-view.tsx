import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, Envelope, saveAs, subscribe } from './api';
import { ErrorNote, Status, usd, useAction, useThrottledTick, when } from './ui';

const TABS = ['overview', 'timeline', 'tasks', 'costs', 'gates', 'kmap', 'dossier', 'events'] as const;
const TAB_TITLES: Record<string, string> = { overview: 'DAG', timeline: 'Timeline', tasks: 'Tasks', costs: 'Costs', gates: 'Gates & waivers', kmap: 'Knowledge map', dossier: 'Dossier', events: 'Events' };

/** One run, kept live: every event on its SSE stream refreshes the views (debounced). */
export function RunView({ runId, tab, sub }: { runId: string; tab: string; sub?: string }) {
  const [run, setRun] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const [events, setEvents] = useState<Envelope[]>([]);
  const [live, setLive] = useState(false);
  const [tick, bump] = useThrottledTick(300);
  // The last event seen: the API answers once the read models include it (they lag the stream).
  const seen = useRef(0);
  useEffect(() => {
    api.get(`/v1/runs/${runId}${seen.current ? `?seenSeq=${seen.current}` : ''}`).then((r) => (setRun(r), setError(null)), setError);
  }, [runId, tick]);
  useEffect(() => {
    setEvents([]);
    seen.current = 0;
    const stop = subscribe(`/v1/runs/${runId}/stream`, (e) => {
      setEvents((xs) => (xs.length > 5000 ? [...xs.slice(-4000), e] : [...xs, e]));
      if (e.seq && Number.isSafeInteger(e.seq) && e.seq > seen.current) seen.current = e.seq;
      // The read models lag the stream by a moment: refetch them at most every 300 ms.
      bump();
    }, setLive);
    return stop;
  }, [runId]);
  if (!run) return <section><ErrorNote error={error} />{!error && <p>Loading run {runId}…</p>}</section>;
  return (
    <section class="run">
      <h1 class="run-title">{run.idea.length > 120 ? `${run.idea.slice(0, 119)}…` : run.idea}</h1>
      <p class="meta">
        <Status s={run.status} /> <code>{run.runId}</code> · created {when(run.createdAt)} · {run.usage.tokens.toLocaleString()} tokens, {usd(run.usage.usd)}
        {' · '}<span class={live ? 'live on' : 'live'} title="server-sent events">{live ? 'live' : 'reconnecting…'}</span>
        {run.reason && <> · <span class="reason">{run.reason}</span></>}
      </p>
      <RunActions run={run} onDone={bump} />
      <nav class="tabs">{TABS.map((t) => <a href={`#/runs/${runId}/${t}`} class={t === tab ? 'on' : ''}>{TAB_TITLES[t]}</a>)}</nav>
      {tab === 'overview' && <Dag run={run} />}
      {tab === 'timeline' && <Timeline run={run} events={events} />}
      {tab === 'tasks' && <Tasks runId={runId} taskId={sub} tick={tick} />}
      {tab === 'costs' && <Costs runId={runId} tick={tick} />}
      {tab === 'gates' && <Gates run={run} tick={tick} />}
      {tab === 'kmap' && <Kmap runId={runId} tick={tick} />}
      {tab === 'dossier' && <Dossier run={run} />}
      {tab === 'events' && <Events events={events} />}
    </section>
  );
}

function RunActions({ run, onDone }: { run: any; onDone: () => void }) {
  const act = useAction();
  const [budget, setBudget] = useState({ tokens: '', usd: '' });
  const finished = ['completed', 'failed', 'cancelled'].includes(run.status);
  const post = (path: string, body: unknown = {}) => act.run(() => api.post(`/v1/runs/${run.runId}/${path}`, body), onDone);
  if (finished) return null;
  return (
    <div class="actions">
      {run.status === 'paused'
        ? <button type="button" onClick={() => post('resume')}>Resume</button>
        : <button type="button" onClick={() => post('pause', { reason: 'paused from the dashboard' })}>Pause</button>}
      <button type="button" class="danger" onClick={() => confirm('Cancel this run?') && post('cancel', { reason: 'cancelled from the dashboard' })}>Cancel</button>
      <form class="inline" onSubmit={(e) => {
        e.preventDefault();
        const add: Record<string, number> = {};
        if (budget.tokens) add.tokens = Number(budget.tokens);
        if (budget.usd) add.usd = Number(budget.usd);
        void post('budget', { add });
      }}>
        <input name="tokens" type="number" min="0" placeholder="+tokens" value={budget.tokens} onInput={(e) => setBudget({ ...budget, tokens: (e.target as HTMLInputElement).value })} />
        <input name="usd" type="number" min="0" step="0.01" placeholder="+USD" value={budget.usd} onInput={(e) => setBudget({ ...budget, usd: (e.target as HTMLInputElement).value })} />
        <button type="submit">Extend budget</button>
      </form>
      <ErrorNote error={act.error} />
    </div>
  );
}

/** The DAG by levels: each column is a level, each card a phase with status, gate score and attempts. */
function Dag({ run }: { run: any }) {
  const levels: string[][] = run.levels ?? [run.phases.map((p: any) => p.phase)];
  const byName = Object.fromEntries(run.phases.map((p: any) => [p.phase, p]));
  return (
    <div class="dag">
      {levels.map((level, i) => (
        <div class="level" key={i}>
          <div class="level-title">level {i}</div>
          {level.map((name) => {
            const p = byName[name] ?? { phase: name, status: 'pending', progress: { done: 0, total: 0 }, dependsOn: [] };
            const pct = p.progress.total ? Math.round((p.progress.done / p.progress.total) * 100) : p.status === 'completed' ? 100 : 0;
            return (
              <div class={`phase phase-${p.status}${run.criticalPath?.includes(name) ? ' critical' : ''}`} data-phase={name} data-status={p.status} key={name}>
                <div class="phase-name">{name}</div>
                <Status s={p.status} />
                <div class="bar"><div class="fill" style={{ width: `${pct}%` }} /></div>
                <div class="phase-facts">
                  tasks {p.progress.done}/{p.progress.total}
                  {p.score !== null && p.score !== undefined && <> · gate {p.score}</>}
                  {p.gateAttempts > 0 && <> · attempt {p.gateAttempts}</>}
                </div>
                {p.dependsOn?.length > 0 && <div class="deps">after {p.dependsOn.join(', ')}</div>}
                {p.reason && <div class="reason">{p.reason}</div>}
              </div>
            );
          })}
        </div>
      ))}
    </div>
  );
}

function Timeline({ run, events }: { run: any; events: Envelope[] }) {
  const t0 = Date.parse(run.createdAt);
  const ends = run.phases.map((p: any) => Date.parse(p.finishedAt ?? p.startedAt ?? run.createdAt));
  const span = Math.max(1000, Math.max(Date.now() * (['completed', 'failed', 'cancelled'].includes(run.status) ? 0 : 1), ...ends) - t0);
  const tasks = useMemo(() => {
    type Span = { taskId: string; phase: string; agent: string; start?: number; end?: number; ok?: boolean };
    const m = new Map<string, Span>();
    for (const e of events) {
      const p = e.payload ?? {};
      if (!p.taskId || !e.type.startsWith('task.')) continue;
      const t: Span = m.get(p.taskId) ?? { taskId: p.taskId, phase: p.phase, agent: p.agent };
      if (e.type === 'task.claimed') t.start = Date.parse(e.occurredAt);
      if (e.type === 'task.succeeded' || e.type === 'task.failed') {
        t.end = Date.parse(e.occurredAt);
        t.ok = e.type === 'task.succeeded';
      }
      m.set(p.taskId, t);
    }
    return [...m.values()];
  }, [events]);
  const bar = (from: number, to: number) => ({ marginLeft: `${((from - t0) / span) * 100}%`, width: `${Math.max(0.5, ((to - from) / span) * 100)}%` });
  return (
    <div class="timeline">
      {run.phases.filter((p: any) => p.startedAt).map((p: any) => (
        <div class="tl-group" key={p.phase}>
          <div class="tl-row phase-row"><span class="tl-label">{p.phase}</span><span class="tl-track"><span class={`tl-bar status-${p.status}`} style={bar(Date.parse(p.startedAt), p.finishedAt ? Date.parse(p.finishedAt) : Date.now())} /></span></div>
          {tasks.filter((t) => t.phase === p.phase && t.start).map((t) => (
            <div class="tl-row task-row" key={t.taskId}><span class="tl-label"><a href={`#/runs/${run.runId}/tasks/${t.taskId}`}>{t.agent}</a></span><span class="tl-track"><span class={`tl-bar ${t.ok === false ? 'status-failed' : 'status-task'}`} style={bar(t.start!, t.end ?? Date.now())} /></span></div>
          ))}
        </div>
      ))}
      <p class="hint">{run.phases.filter((p: any) => p.startedAt).length ? `0 … ${(span / 1000).toFixed(1)} s since the run was created` : 'No phase has started yet.'}</p>
    </div>
  );
}

function Tasks({ runId, taskId, tick }: { runId: string; taskId?: string; tick: number }) {
  const [page, setPage] = useState<any>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const cursor = cursors[cursors.length - 1];
  useEffect(() => void api.get(`/v1/runs/${runId}/tasks?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`).then(setPage, setError), [runId, cursor, tick]);
  return (
    <div class="split">
      <div>
        <ErrorNote error={error} />
        <table class="tasks">
          <thead><tr><th>Phase</th><th>Agent</th><th>Status</th><th>Attempt</th><th>Tokens</th></tr></thead>
          <tbody>
            {page?.tasks.map((t: any) => (
              <tr key={t.taskId} class={t.taskId === taskId ? 'selected' : ''} data-task={t.taskId}>
                <td>{t.phase}</td><td><a href={`#/runs/${runId}/tasks/${t.taskId}`}>{t.agent}</a></td><td><Status s={t.status} /></td><td>{t.attempt}</td><td>{t.usage?.tokens ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <nav class="pager">
          <button type="button" disabled={!cursors.length} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
          <button type="button" disabled={!page?.nextCursor} onClick={() => setCursors([...cursors, page.nextCursor])}>Next page</button>
        </nav>
      </div>
      {taskId && <TaskPanel runId={runId} taskId={taskId} tick={tick} />}
    </div>
  );
}

function TaskPanel({ runId, taskId, tick }: { runId: string; taskId: string; tick: number }) {
  const [d, setD] = useState<any>(null);
  const [output, setOutput] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const act = useAction();
  useEffect(() => void api.get(`/v1/runs/${runId}/tasks/${taskId}`).then(setD, setError), [runId, taskId, tick]);
  useEffect(() => {
    setOutput(null);
    if (d?.output?.href) void api.blob(d.output.href).then((b) => b.text()).then((t) => setOutput(pretty(t)), () => setOutput('(output unavailable)'));
  }, [d?.output?.href]);
  if (!d) return <aside class="panel"><ErrorNote error={error} /></aside>;
  const t = d.task;
  return (
    <aside class="panel task-panel" aria-label="Task">
      <h2>{t.agent} <Status s={t.status} /></h2>
      <dl class="kv">
        <dt>Task</dt><dd><code>{t.taskId}</code></dd><dt>Phase</dt><dd>{t.phase}</dd><dt>Attempt</dt><dd>{t.attempt} (gate attempt {t.gateAttempt})</dd>
        <dt>Worker</dt><dd>{t.workerId ?? '—'}</dd><dt>Usage</dt><dd>{t.usage ? `${t.usage.tokens} tokens, ${usd(t.usage.usd)}, ${t.usage.wallclockMs} ms` : '—'}</dd>
        <dt>Scheduled</dt><dd>{when(t.scheduledAt)}</dd><dt>Finished</dt><dd>{when(t.finishedAt)}</dd>
      </dl>
      {['failed', 'quarantined', 'dead-lettered', 'stalled'].includes(t.status) && (
        <button type="button" onClick={() => act.run(() => api.post(`/v1/runs/${runId}/tasks/${taskId}/retry`, { reason: 'retried from the dashboard' }))}>Retry task</button>
      )}
      <ErrorNote error={act.error} />
      <h3>Input</h3><pre class="json">{JSON.stringify(d.input, null, 2)}</pre>
      <h3>Output</h3>{d.output ? <pre class="json output">{output ?? 'loading…'}</pre>
        : d.outputInline !== null && d.outputInline !== undefined ? <pre class="json output">{JSON.stringify(d.outputInline, null, 2)}</pre> : <p class="hint">No output yet.</p>}
      <h3>Artifacts</h3>
      {d.artifacts.length ? <ul>{d.artifacts.map((a: any) => <li key={a.sha256}><button type="button" class="link" onClick={() => saveAs(a.href, `${a.kind}-${a.sha256.slice(0, 8)}`)}>{a.kind}</button> <span class="hint">{a.contentType}, {a.size} bytes</span></li>)}</ul> : <p class="hint">None.</p>}
      <h3>Attempts</h3><EventList events={d.attempts} />
      <h3>Errors</h3>{d.errors.length ? <EventList events={d.errors} /> : <p class="hint">None.</p>}
      <h3>Checkpoints</h3>{d.checkpoints.length ? <EventList events={d.checkpoints} /> : <p class="hint">None.</p>}
    </aside>
  );
}

const pretty = (t: string) => {
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return t;
  }
};

function EventList({ events }: { events: any[] }) {
  return <ul class="events">{events.map((e) => <li key={e.id}><code>{e.type}</code> {when(e.occurredAt)} <span class="hint">{summary(e.payload)}</span></li>)}</ul>;
}

const summary = (p: any = {}) => [p.phase, p.agent, p.workerId && `worker ${p.workerId}`, p.step !== undefined && `step ${p.step}`, p.errorClass, p.message, p.reason, p.score !== undefined && `score ${p.score}`, p.done !== undefined && `${p.done}/${p.total}`]
  .filter(Boolean).join(' · ').slice(0, 200);

function Costs({ runId, tick }: { runId: string; tick: number }) {
  const [c, setC] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => void api.get(`/v1/runs/${runId}/costs`).then(setC, setError), [runId, tick]);
  if (!c) return <ErrorNote error={error} />;
  const table = (title: string, rows: any[]) => (
    <div class="cost-table">
      <h3>{title}</h3>
      <table><thead><tr><th>{title.replace('By ', '')}</th><th>Tasks</th><th>Tokens</th><th>USD</th><th>Agent time</th></tr></thead>
        <tbody>{rows.map((r) => <tr key={r.key}><td>{r.key}</td><td>{r.tasks}</td><td>{r.tokens.toLocaleString()}</td><td>{usd(r.usd)}</td><td>{(r.wallclockMs / 1000).toFixed(1)} s</td></tr>)}</tbody></table>
    </div>
  );
  return (
    <div class="costs">
      <p>Total {c.total.tokens.toLocaleString()} of {c.budget.tokens.toLocaleString()} tokens; {usd(c.total.usd)} of {usd(c.budget.usd)}.</p>
      {table('By phase', c.byPhase)}{table('By agent', c.byAgent)}{table('By model', c.byModel)}
    </div>
  );
}

function Gates({ run, tick }: { run: any; tick: number }) {
  const [g, setG] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const [form, setForm] = useState({ phase: run.phases.find((p: any) => p.status === 'blocked')?.phase ?? run.phases[0]?.phase ?? '', guard: '', reason: '', hours: '24' });
  const act = useAction();
  const [mine, setMine] = useState(0);
  useEffect(() => void api.get(`/v1/runs/${run.runId}/gates`).then(setG, setError), [run.runId, tick, mine]);
  const finished = ['completed', 'failed', 'cancelled'].includes(run.status);
  return (
    <div class="gates">
      <ErrorNote error={error ?? act.error} />
      <h3>Gate verdicts</h3>
      <table><thead><tr><th>Phase</th><th>Attempt</th><th>Score</th><th>Threshold</th><th>Verdict</th><th>Issues</th><th>Auto-fix</th></tr></thead>
        <tbody>{g?.gates.map((x: any) => <tr key={`${x.phase}-${x.gateAttempt}`}><td>{x.phase}</td><td>{x.gateAttempt}</td><td>{x.score ?? '—'}</td><td>{x.passThreshold ?? '—'}</td><td><Status s={x.verdict} />{x.waived && ' (waived)'}</td><td>{x.issues.length ? <ul>{x.issues.map((i: string) => <li>{i}</li>)}</ul> : '—'}</td><td>{x.autofix ?? '—'}</td></tr>)}</tbody></table>
      <h3>Waivers</h3>
      {g?.waivers.length ? (
        <table><thead><tr><th>Phase</th><th>Guard</th><th>State</th><th>Reason</th><th>By</th><th>Expires</th><th></th></tr></thead>
          <tbody>{g.waivers.map((w: any) => <tr key={`${w.phase}-${w.guard}`}><td>{w.phase}</td><td>{w.guard}</td><td><Status s={w.state} /></td><td>{w.reason}</td><td>{w.grantedBy ?? '—'}</td><td>{when(w.expiresAt)}</td>
            <td>{w.state === 'active' && !finished && <button type="button" onClick={() => act.run(() => api.post(`/v1/runs/${run.runId}/waivers/revoke`, { phase: w.phase, guard: w.guard, reason: 'revoked from the dashboard' }), () => setMine((n) => n + 1))}>Revoke</button>}</td></tr>)}</tbody></table>
      ) : <p class="hint">No waivers.</p>}
      {!finished && (
        <form class="stack narrow" onSubmit={(e) => {
          e.preventDefault();
          void act.run(() => api.post(`/v1/runs/${run.runId}/waivers`, { phase: form.phase, guard: form.guard, reason: form.reason, expiresAt: new Date(Date.now() + Number(form.hours) * 3600_000).toISOString() }), () => setMine((n) => n + 1));
        }}>
          <h3>Grant a waiver</h3>
          <label>Phase <select name="phase" value={form.phase} onChange={(e) => setForm({ ...form, phase: (e.target as HTMLSelectElement).value })}>{run.phases.map((p: any) => <option value={p.phase}>{p.phase} ({p.status})</option>)}</select></label>
          <label>Guard <input name="guard" required placeholder="e.g. coverage" value={form.guard} onInput={(e) => setForm({ ...form, guard: (e.target as HTMLInputElement).value })} /></label>
          <label>Reason <input name="reason" required value={form.reason} onInput={(e) => setForm({ ...form, reason: (e.target as HTMLInputElement).value })} /></label>
          <label>Valid for (hours) <input name="hours" type="number" min="1" value={form.hours} onInput={(e) => setForm({ ...form, hours: (e.target as HTMLInputElement).value })} /></label>
          <button type="submit" disabled={act.busy}>Grant waiver</button>
        </form>
      )}
    </div>
  );
}

function Kmap({ runId, tick }: { runId: string; tick: number }) {
  const [k, setK] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => void api.get(`/v1/runs/${runId}/kmap`).then(setK, setError), [runId, tick]);
  if (!k) return <ErrorNote error={error} />;
  if (!k.bindings.length) return <p class="empty">The knowledge map is empty: no question/answer binding has been accepted in this run yet.</p>;
  const phases = [...new Set<string>(k.bindings.map((b: any) => b.phase))];
  return <div class="kmap">{phases.map((p) => <div key={p}><h3>{p}</h3><dl>{k.bindings.filter((b: any) => b.phase === p).map((b: any) => <><dt>{b.question}</dt><dd>{b.answer}<div class="hint">evidence: {b.evidence.join(', ') || '—'}</div></dd></>)}</dl></div>)}</div>;
}

function Dossier({ run }: { run: any }) {
  const [d, setD] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (run.dossier) void api.get(`/v1/runs/${run.runId}/dossier.json`).then(setD, setError);
  }, [run.runId, run.dossier?.signature]);
  if (!run.dossier) return <p class="empty">No dossier yet: it is compiled when the run completes.</p>;
  return (
    <div class="dossier">
      <ErrorNote error={error} />
      <div class="actions">
        <button type="button" onClick={() => saveAs(`/v1/runs/${run.runId}/dossier.pdf`, `dossier-${run.runId}.pdf`)}>Download PDF</button>
        <button type="button" onClick={() => saveAs(`/v1/runs/${run.runId}/dossier.html`, `dossier-${run.runId}.html`)}>Download HTML</button>
        <button type="button" onClick={() => saveAs(`/v1/runs/${run.runId}/dossier.json`, `dossier-${run.runId}.json`)}>Download JSON</button>
      </div>
      {d && (
        <>
          <h2 class="dossier-title">{d.title}</h2>
          <p class="meta">Release dossier {d.version} · {d.completeness}% complete · signature <code>{d.signature.algorithm}:{d.signature.value.slice(0, 16)}…</code></p>
          {d.missing.length > 0 && <p class="error">Missing: {d.missing.join(', ')}</p>}
          {Object.entries(d.categories).map(([cat, items]: [string, any]) => (
            <div key={cat}><h3>{cat}</h3><ul>{items.map((a: any) => <li key={a.key}>{a.title} <span class="hint">from {a.phase}</span></li>)}</ul></div>
          ))}
        </>
      )}
    </div>
  );
}

function Events({ events }: { events: Envelope[] }) {
  const [filter, setFilter] = useState('');
  const shown = events.filter((e) => !filter || e.type.includes(filter)).slice(-500).reverse();
  return (
    <div class="event-log">
      <label>Type contains <input name="type" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} /></label>
      <table><thead><tr><th>Seq</th><th>When</th><th>Type</th><th>Summary</th></tr></thead>
        <tbody>{shown.map((e) => <tr key={e.id}><td>{e.seq}</td><td>{when(e.occurredAt)}</td><td><code>{e.type}</code></td><td>{summary(e.payload)}</td></tr>)}</tbody></table>
    </div>
  );
}

