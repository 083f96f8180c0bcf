export interface ApiOptions {
  api?: string;
  key?: string;
}

export class CliError extends Error {}

function endpoint(opts: ApiOptions) {
  const base = (opts.api ?? process.env.IM_API_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const key = opts.key ?? process.env.IM_API_KEY;
  if (!key) throw new CliError('no API key: pass --key or set IM_API_KEY (one of the api service\'s IM_API_KEYS)');
  return { base, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } };
}

async function call(opts: ApiOptions, method: string, path: string, body?: unknown): Promise<any> {
  const { base, headers } = endpoint(opts);
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new CliError(`cannot reach the API at ${base}: ${(err as Error).message}`);
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new CliError(`${method} ${path} -> ${res.status}: ${Array.isArray(data?.message) ? data.message.join('; ') : data?.message ?? text}`);
  return data;
}

export async function submitCommand(idea: string, opts: ApiOptions & { targetUser?: string[]; constraint?: string[]; wait?: boolean }) {
  const r = await call(opts, 'POST', '/v1/runs', { idea, targetUsers: opts.targetUser ?? [], constraints: opts.constraint ?? [] });
  console.log(r.runId);
  if (opts.wait) await watch(r.runId, opts);
}

export async function statusCommand(runId: string, opts: ApiOptions & { json?: boolean }) {
  const run = await call(opts, 'GET', `/v1/runs/${runId}`);
  if (opts.json) return console.log(JSON.stringify(run, null, 2));
  console.log(`${run.runId}  ${run.status}${run.reason ? ` (${run.reason})` : ''}`);
  for (const p of run.phases) console.log(`  ${String(p.level).padStart(2)} ${p.phase.padEnd(14)} ${p.status.padEnd(10)} ${p.progress.done}/${p.progress.total}${p.score !== null ? `  score ${p.score}` : ''}`);
}

export async function watch(runId: string, opts: ApiOptions) {
  let last = '';
  for (;;) {
    const run = await call(opts, 'GET', `/v1/runs/${runId}`).catch((e) => (String(e.message).includes('404') ? undefined : Promise.reject(e)));
    if (run) {
      const line = `${run.status}: ${run.phases.map((p: any) => `${p.phase}=${p.status}`).join(' ')}`;
      if (line !== last) console.error(line);
      last = line;
      if (['completed', 'failed', 'cancelled'].includes(run.status)) return run;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function simpleCommand(runId: string, action: 'cancel' | 'pause' | 'resume', opts: ApiOptions & { reason?: string }) {
  await call(opts, 'POST', `/v1/runs/${runId}/${action}`, { reason: opts.reason });
  console.log(`${action} requested`);
}
