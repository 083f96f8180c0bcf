import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, Envelope, session, subscribe } from './api';
import { RunView } from './run-view';
import { ErrorNote, go, Status, usd, useAction, useThrottledTick, when } from './ui';

/** Hash routes (#/runs, #/runs/<id>, #/inbox, #/dead-letters, #/submit): no server routing needed. */
function useRoute(): string[] {
  const parse = () => (location.hash.replace(/^#\/?/, '') || 'runs').split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => setRoute(parse());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const { error, busy, run } = useAction();
  return (
    <main class="signin">
      <h1>IdeaMine</h1>
      <form onSubmit={(e) => {
        e.preventDefault();
        void run(async () => api.get('/v1/runs?limit=1', key.trim()), () => {
          session.set(key.trim());
          onSignedIn();
        });
      }}>
        <label>API key <input name="apiKey" type="password" autocomplete="off" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} required /></label>
        <button type="submit" disabled={busy}>Sign in</button>
        <p class="hint">The key is kept for this browser tab only (session storage).</p>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}

const STATUSES = ['', 'pending', 'running', 'paused', 'blocked', 'completed', 'failed', 'cancelled'];

function RunList() {
  const [filters, setFilters] = useState({ status: '', q: '', from: '', to: '' });
  const [cursors, setCursors] = useState<string[]>([]);
  const [page, setPage] = useState<{ runs: any[]; nextCursor: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, bump] = useThrottledTick(1000);
  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    const qs = new URLSearchParams({ limit: '20' });
    if (filters.status) qs.set('status', filters.status);
    if (filters.q) qs.set('q', filters.q);
    if (filters.from) qs.set('from', new Date(filters.from).toISOString());
    if (filters.to) qs.set('to', new Date(new Date(filters.to).getTime() + 86_400_000).toISOString());
    if (cursor) qs.set('cursor', cursor);
    api.get(`/v1/runs?${qs}`).then((p) => (setPage(p), setError(null)), setError);
  }, [filters, cursor, tick]);
  // Live: events anywhere refresh the list, at most once a second.
  useEffect(() => subscribe('/v1/stream', bump), []);
  const set = (k: keyof typeof filters) => (e: Event) => {
    setCursors([]);
    setFilters({ ...filters, [k]: (e.target as HTMLInputElement).value });
  };
  return (
    <section>
      <h1>Runs</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>Status <select name="status" value={filters.status} onChange={set('status')}>{STATUSES.map((s) => <option value={s}>{s || 'any'}</option>)}</select></label>
        <label>From <input name="from" type="date" value={filters.from} onChange={set('from')} /></label>
        <label>To <input name="to" type="date" value={filters.to} onChange={set('to')} /></label>
        <label>Text <input name="q" type="search" value={filters.q} onInput={set('q')} placeholder="idea, user, constraint, id" /></label>
      </form>
      <ErrorNote error={error} />
      <table class="runs">
        <thead><tr><th>Run</th><th>Status</th><th>Phases</th><th>Idea</th><th>Created</th><th>Cost</th></tr></thead>
        <tbody>
          {page?.runs.map((r) => (
            <tr key={r.runId} data-run={r.runId}>
              <td><a href={`#/runs/${r.runId}`}>{r.runId.slice(0, 13)}…</a></td>
              <td><Status s={r.status} /></td>
              <td>{r.phasesDone}/{r.phasesTotal}</td>
              <td class="idea">{r.idea}</td>
              <td>{when(r.createdAt)}</td>
              <td>{usd(r.usage?.usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && !page.runs.length && <p class="hint">No runs match. <a href="#/submit">Submit an idea</a>.</p>}
      <nav class="pager">
        <button type="button" disabled={!cursors.length} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <button type="button" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}>Next page</button>
      </nav>
    </section>
  );
}

function Submit() {
  const [form, setForm] = useState({ idea: '', targetUsers: '', constraints: '' });
  const { error, busy, run } = useAction();
  const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
  return (
    <section>
      <h1>Submit an idea</h1>
      <form class="stack" onSubmit={(e) => {
        e.preventDefault();
        void run(() => api.post('/v1/runs', { idea: form.idea, targetUsers: lines(form.targetUsers), constraints: lines(form.constraints) }), (r) => go(`runs/${r.runId}`));
      }}>
        <label>Idea <textarea name="idea" rows={4} required value={form.idea} onInput={(e) => setForm({ ...form, idea: (e.target as HTMLTextAreaElement).value })} /></label>
        <label>Target users (one per line) <textarea name="targetUsers" rows={2} value={form.targetUsers} onInput={(e) => setForm({ ...form, targetUsers: (e.target as HTMLTextAreaElement).value })} /></label>
        <label>Constraints (one per line) <textarea name="constraints" rows={2} value={form.constraints} onInput={(e) => setForm({ ...form, constraints: (e.target as HTMLTextAreaElement).value })} /></label>
        <button type="submit" disabled={busy}>Submit</button>
        <ErrorNote error={error} />
      </form>
    </section>
  );
}

function Inbox() {
  const [items, setItems] = useState<any[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const act = useAction();
  useEffect(() => void api.get('/v1/inbox').then((r) => setItems(r.items), setError), [tick]);
  useEffect(() => subscribe('/v1/stream', (e: Envelope) => {
    if (/^(run|phase|waiver|budget)\./.test(e.type)) setTick((n) => n + 1);
  }), []);
  const post = (path: string, body: unknown = {}) => act.run(() => api.post(path, body), () => setTick((n) => n + 1));
  return (
    <section>
      <h1>Inbox</h1>
      <p class="hint">Every decision waiting on a person, across runs.</p>
      <ErrorNote error={error ?? act.error} />
      {items && !items.length && <p class="empty">Nothing waits on you.</p>}
      <ul class="inbox">
        {items?.map((i) => (
          <li key={`${i.runId}-${i.phase}`} class={`inbox-${i.kind}`}>
            <strong>{i.kind === 'phase-blocked' ? `Phase ${i.phase} is blocked` : 'Run is paused'}</strong> — <a href={`#/runs/${i.runId}`}>{i.idea}</a>
            <div class="hint">{i.reason ?? 'no reason recorded'} · since {when(i.since)}</div>
            <div class="actions">
              {i.actions.includes('grant-waiver') && <button type="button" onClick={() => go(`runs/${i.runId}/gates`)}>Decide (waiver)…</button>}
              {i.actions.includes('extend-budget') && <button type="button" onClick={() => post(`/v1/runs/${i.runId}/budget`, { add: { tokens: 1_000_000, usd: 10 } })}>Extend budget (+1M tokens, +$10)</button>}
              {i.actions.includes('resume') && <button type="button" onClick={() => post(`/v1/runs/${i.runId}/resume`)}>Resume</button>}
              <button type="button" class="danger" onClick={() => post(`/v1/runs/${i.runId}/cancel`)}>Cancel run</button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function DeadLetters() {
  const [page, setPage] = useState<any>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const [tick, setTick] = useState(0);
  const act = useAction();
  const cursor = cursors[cursors.length - 1];
  useEffect(() => void api.get(`/v1/dead-letters?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`).then(setPage, act.run.bind(null, () => Promise.reject(new Error('could not load dead letters')))), [cursor, tick]);
  return (
    <section>
      <h1>Dead letters</h1>
      <ErrorNote error={act.error} />
      {page && !page.deadLetters.length && <p class="empty">No dead letters.</p>}
      <table>
        <thead><tr><th>#</th><th>When</th><th>From</th><th>Consumer</th><th>Reason</th><th>Body</th><th></th></tr></thead>
        <tbody>
          {page?.deadLetters.map((d: any) => (
            <tr key={d.seq}>
              <td>{d.seq}</td><td>{when(d.at)}</td><td>{d.sourceSubject}<div class="hint">{d.sourceStream}#{d.sourceSeq}</div></td><td>{d.consumer}</td>
              <td>{d.reason}</td><td><details><summary>show</summary><pre>{d.body}</pre></details></td>
              <td>{d.redrivable && <button type="button" onClick={() => act.run(() => api.post(`/v1/dead-letters/${d.seq}/redrive`), () => setTick((n) => n + 1))}>Redrive</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager">
        <button type="button" disabled={!cursors.length} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <button type="button" disabled={!page?.nextCursor} onClick={() => setCursors([...cursors, page.nextCursor])}>Next page</button>
      </nav>
    </section>
  );
}

function App() {
  const [signedIn, setSignedIn] = useState(!!session.get());
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    const out = () => (session.clear(), setSignedIn(false));
    window.addEventListener('im:unauthorized', out);
    return () => window.removeEventListener('im:unauthorized', out);
  }, []);
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  const [top, id, tab, sub] = route;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/runs">IdeaMine</a>
        <nav>
          <a href="#/runs" class={top === 'runs' && !id ? 'on' : ''}>Runs</a>
          <a href="#/submit" class={top === 'submit' ? 'on' : ''}>Submit</a>
          <a href="#/inbox" class={top === 'inbox' ? 'on' : ''}>Inbox</a>
          <a href="#/dead-letters" class={top === 'dead-letters' ? 'on' : ''}>Dead letters</a>
          <a href="/docs" target="_blank" rel="noopener">API docs</a>
        </nav>
        <button type="button" class="link" onClick={() => (session.clear(), setSignedIn(false))}>Sign out</button>
      </header>
      <main ref={main}>
        {top === 'runs' && id ? <RunView runId={id} tab={tab ?? 'overview'} sub={sub} />
          : top === 'submit' ? <Submit />
            : top === 'inbox' ? <Inbox />
              : top === 'dead-letters' ? <DeadLetters />
                : <RunList />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
