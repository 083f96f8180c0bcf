import { createHash } from 'node:crypto';
import type { Budget } from '@ideamine/contracts';
import { AgentError, BudgetExceededError, classifyError, ToolError } from '../errors';
import { OFFLINE_AGENTS } from '../offline';
import type { AgentContext } from '../sdk';
import { LocalBudgetLedger, nestedLedger } from './budget-ledger';
import { CallJournal, LlmCallResult, LlmClient } from './llm-client';
import { OfflineProvider } from './offline-provider';
import { listedPrice, priceFor, PricingConfigError } from './pricing';
import { defaultPromptLibrary, PromptFileError, PromptLibrary } from './prompts';
import { FREE, LlmProvider, Pricing, ProviderRequest, ProviderResult } from './provider';

/**
 * The LLM client's budget, prompt and journal logic, one dimension at a time. The provider here
 * is a scripted LlmProvider (our own interface, not an SDK): it answers with the usage a test
 * gives it, so each assertion can be worked out by hand. Provider wire formats are covered by
 * providers.int.spec.ts against a local HTTP server.
 */

// $1 per 1000 input tokens, $2 per 1000 output tokens: easy arithmetic.
const PRICED: Pricing = { usdPerMTokIn: 1000, usdPerMTokOut: 2000 };
const budget = (b: Partial<Budget> = {}): Budget => ({ tokens: 1_000_000, usd: 1000, toolMinutes: 100, wallclockMinutes: 100, ...b });

interface Step {
  inputTokens?: number;
  outputTokens?: number;
  text?: string;
  /** Wait for the abort signal instead of answering. */
  hang?: boolean;
  waitMs?: number;
}

class ScriptedProvider implements LlmProvider {
  readonly name = 'scripted';
  readonly model = 'scripted-1';
  readonly requests: ProviderRequest[] = [];
  constructor(readonly pricing: Pricing | undefined, private readonly steps: Step[] = []) {}
  async complete(req: ProviderRequest): Promise<ProviderResult> {
    this.requests.push(req);
    const s = this.steps.shift() ?? {};
    if (s.waitMs) await new Promise((r) => setTimeout(r, s.waitMs));
    if (s.hang) {
      await new Promise((_, reject) => req.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    }
    return { text: s.text ?? 'ok', inputTokens: s.inputTokens ?? 10, outputTokens: s.outputTokens ?? 10, usageReported: true };
  }
}

async function failure(p: Promise<unknown>): Promise<AgentError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AgentError);
    return err as AgentError;
  }
  throw new Error('expected a failure');
}

const prompt30 = 'x'.repeat(30); // reserved as ceil(30 / 3) = 10 input tokens

describe('token budget', () => {
  it('reserves prompt estimate + maxTokens before each call and refuses the call that would not fit', async () => {
    const p = new ScriptedProvider(FREE, [{ inputTokens: 20, outputTokens: 10 }, { inputTokens: 20, outputTokens: 10 }]);
    const llm = new LlmClient(p, budget({ tokens: 100 }));
    await llm.complete({ prompt: prompt30, maxTokens: 50 }); // reserve 60, settle 30
    await llm.complete({ prompt: prompt30, maxTokens: 50 }); // 30 + 60 = 90 fits; settle -> 60
    const e = await failure(llm.complete({ prompt: prompt30, maxTokens: 50 })); // 60 + 60 = 120 > 100
    expect(e).toBeInstanceOf(BudgetExceededError);
    expect(e).toMatchObject({ dimension: 'tokens', limit: 100, used: 120, errorClass: 'budget', retryable: false });
    expect(p.requests).toHaveLength(2);
    expect(llm.usage().tokens).toBe(60);
    expect(llm.remaining().tokens).toBe(40);
  });

  it('overshoots by at most one call’s actual minus estimate', async () => {
    // The estimate says 60; the provider reports 95 (a tokenizer denser than 3 chars/token).
    const p = new ScriptedProvider(FREE, [{ inputTokens: 85, outputTokens: 10 }]);
    const llm = new LlmClient(p, budget({ tokens: 70 }));
    await llm.complete({ prompt: prompt30, maxTokens: 50 });
    expect(llm.usage().tokens).toBe(95);
    expect(llm.usage().tokens - 70).toBeLessThanOrEqual(95 - 60);
    await failure(llm.complete({ prompt: 'x', maxTokens: 1 }));
    expect(p.requests).toHaveLength(1);
  });
});

describe('USD budget', () => {
  it('$0 means nothing may be spent: a priced call is refused before it is made, a free one is not', async () => {
    const paid = new ScriptedProvider(PRICED);
    const e = await failure(new LlmClient(paid, budget({ usd: 0 })).complete({ prompt: 'x', maxTokens: 1 }));
    expect(e).toMatchObject({ errorClass: 'budget', dimension: 'usd', limit: 0 });
    expect(e.message).toMatch(/budget of 0 allows no spend/);
    expect(paid.requests).toHaveLength(0);
    const free = new ScriptedProvider(FREE);
    expect(await new LlmClient(free, budget({ usd: 0 })).complete({ prompt: 'x', maxTokens: 1 })).toBe('ok');
  });

  it('prices the estimate and settles the actual cost, which frees the difference', async () => {
    // estimate: 10 in ($0.01) + 100 out ($0.20) = $0.21; actual: 10 in + 10 out = $0.03
    const p = new ScriptedProvider(PRICED, [{ inputTokens: 10, outputTokens: 10 }, { inputTokens: 10, outputTokens: 10 }]);
    const llm = new LlmClient(p, budget({ usd: 0.25 }));
    const r = await llm.call({ prompt: prompt30, maxTokens: 100 });
    expect(r.estimate).toEqual({ tokens: 110, usd: 0.21 });
    expect(r.usage.usd).toBe(0.03);
    await llm.call({ prompt: prompt30, maxTokens: 100 }); // 0.03 + 0.21 = 0.24 fits
    expect(llm.usage().usd).toBe(0.06);
    const e = await failure(llm.call({ prompt: prompt30, maxTokens: 100 })); // 0.06 + 0.21 > 0.25
    expect(e).toMatchObject({ dimension: 'usd' });
  });

  it('a $1 budget never lets a call that may cost $5 start (checked before, not after)', async () => {
    const p = new ScriptedProvider(PRICED, [{ inputTokens: 10, outputTokens: 2500 }]);
    const e = await failure(new LlmClient(p, budget({ usd: 1 })).complete({ prompt: 'x', maxTokens: 2500 }));
    expect(e).toMatchObject({ dimension: 'usd' });
    expect(p.requests).toHaveLength(0);
  });

  it('parallel calls compete by reservation: only what fits starts', async () => {
    const p = new ScriptedProvider(PRICED, [{ waitMs: 20 }, { waitMs: 20 }]);
    const llm = new LlmClient(p, budget({ usd: 0.3 }));
    const results = await Promise.allSettled([llm.complete({ prompt: prompt30, maxTokens: 100 }), llm.complete({ prompt: prompt30, maxTokens: 100 })]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(p.requests).toHaveLength(1);
  });

  it('nested ledgers: two tasks share a phase budget; the second waits for the first to settle', async () => {
    const phase = new LocalBudgetLedger(budget({ usd: 0.3 }), 'phase');
    const a = new LlmClient(new ScriptedProvider(PRICED, [{ waitMs: 30, outputTokens: 10 }]), budget({ usd: 1 }), { ledger: nestedLedger(new LocalBudgetLedger(budget({ usd: 1 }), 'task A'), phase) });
    const b = new LlmClient(new ScriptedProvider(PRICED, [{}]), budget({ usd: 1 }), { ledger: nestedLedger(new LocalBudgetLedger(budget({ usd: 1 }), 'task B'), phase) });
    const first = a.complete({ prompt: prompt30, maxTokens: 100 }); // holds $0.21 of the phase's $0.30
    const e = await failure(b.complete({ prompt: prompt30, maxTokens: 100 }));
    expect(e.message).toMatch(/phase budget/);
    await first; // settles at $0.03
    expect(await b.complete({ prompt: prompt30, maxTokens: 100 })).toBe('ok');
    expect(phase.used().usd).toBeCloseTo(0.06, 9);
    expect(phase.reserved()).toEqual({ tokens: 0, usd: 0, toolMinutes: 0 });
  });

  it('releases the reservation of a call the provider refused', async () => {
    const refusing: LlmProvider = { name: 'refusing', model: 'm', pricing: PRICED, complete: async () => Promise.reject(Object.assign(new Error('401 invalid key'), { status: 401 })) };
    const ledger = new LocalBudgetLedger(budget({ usd: 1 }));
    const e = await failure(new LlmClient(refusing, budget({ usd: 1 }), { ledger }).complete({ prompt: 'x', maxTokens: 10 }));
    expect(e.errorClass).toBe('auth');
    expect(ledger.used()).toEqual({ tokens: 0, usd: 0, toolMinutes: 0 });
    expect(ledger.reserved()).toEqual({ tokens: 0, usd: 0, toolMinutes: 0 });
  });
});

describe('tool minutes', () => {
  it('charges measured tool time and reports it in usage()', async () => {
    let clock = 1_000_000;
    const llm = new LlmClient(new ScriptedProvider(FREE), budget({ toolMinutes: 2 }), { now: () => clock });
    const out = await llm.tool('lint', async () => {
      clock += 30_000; // the tool takes half a minute
      return 'clean';
    });
    expect(out).toBe('clean');
    expect(llm.usage().toolMinutes).toBe(0.5);
    expect(llm.remaining().toolMinutes).toBe(1.5);
    expect(llm.toolCalls()).toEqual([expect.objectContaining({ tool: 'lint', durationMs: 30_000, minutes: 0.5, ok: true })]);
  });

  it('a 0-minute budget runs no tool at all', async () => {
    let ran = false;
    const llm = new LlmClient(new ScriptedProvider(FREE), budget({ toolMinutes: 0 }));
    const e = await failure(llm.tool('scan', () => (ran = true)));
    expect(e).toMatchObject({ errorClass: 'budget', dimension: 'toolMinutes' });
    expect(ran).toBe(false);
  });

  it('stops a tool when the minutes run out and tells it through the signal', async () => {
    const llm = new LlmClient(new ScriptedProvider(FREE), budget({ toolMinutes: 0.002 })); // 120 ms
    let aborted = false;
    const started = Date.now();
    const e = await failure(
      llm.tool('slow', (signal) => new Promise((resolve) => {
        signal.addEventListener('abort', () => (aborted = true));
        setTimeout(resolve, 3000).unref();
      })),
    );
    expect(e).toMatchObject({ errorClass: 'budget', dimension: 'toolMinutes' });
    expect(aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(llm.usage().toolMinutes).toBeLessThan(0.002 + 0.005);
  });

  it('classifies a tool failure as class tool, keeping the cause; agent errors pass through', async () => {
    const llm = new LlmClient(new ScriptedProvider(FREE), budget());
    const boom = new Error('exit 2');
    const e = await failure(llm.tool('compile', () => Promise.reject(boom)));
    expect(e).toBeInstanceOf(ToolError);
    expect(e).toMatchObject({ errorClass: 'tool', retryable: true, tool: 'compile' });
    expect(e.cause).toBe(boom);
    const inner = new AgentError('context_overflow', 'too big');
    expect(await failure(llm.tool('x', () => Promise.reject(inner)))).toBe(inner);
    expect(llm.toolCalls().map((t) => t.ok)).toEqual([false, false]);
  });
});

describe('wall clock', () => {
  it('refuses a call after the deadline', async () => {
    let clock = 0;
    const p = new ScriptedProvider(FREE);
    const llm = new LlmClient(p, budget({ wallclockMinutes: 1 }), { now: () => clock, startedAt: 0 });
    await llm.complete({ prompt: 'x', maxTokens: 1 });
    clock = 60_001;
    const e = await failure(llm.complete({ prompt: 'x', maxTokens: 1 }));
    expect(e).toMatchObject({ errorClass: 'budget', dimension: 'wallclockMinutes' });
    expect(p.requests).toHaveLength(1);
    expect(llm.remaining().wallclockMinutes).toBe(0);
  });

  it('aborts a call still running at the deadline', async () => {
    const p = new ScriptedProvider(FREE, [{ hang: true }]);
    const llm = new LlmClient(p, budget({ wallclockMinutes: 0.003 })); // 180 ms
    const e = await failure(llm.complete({ prompt: 'x', maxTokens: 1 }));
    expect(e).toMatchObject({ errorClass: 'budget', dimension: 'wallclockMinutes' });
    expect(p.requests[0].timeoutMs).toBeLessThanOrEqual(180);
  });

  it('a per-call timeout shorter than the deadline fails as timeout, not budget', async () => {
    const p = new ScriptedProvider(FREE, [{ hang: true }]);
    const e = await failure(new LlmClient(p, budget(), { timeoutMs: 50 }).complete({ prompt: 'x', maxTokens: 1 }));
    expect(e).toMatchObject({ errorClass: 'timeout', retryable: true });
  });
});

describe('journal fields and replay', () => {
  class MemoryJournal implements CallJournal {
    readonly rows = new Map<number, LlmCallResult>();
    async lookup(i: number) {
      return this.rows.get(i);
    }
    async record(r: LlmCallResult) {
      this.rows.set(r.callIndex, r);
    }
  }

  it('records provider, model, prompt version and input hash; a resumed attempt replays what was paid', async () => {
    const journal = new MemoryJournal();
    const first = new ScriptedProvider(PRICED, [{ text: 'one' }, { text: 'two' }]);
    const a = new LlmClient(first, budget(), { journal });
    await a.complete({ system: 's', prompt: 'p1', maxTokens: 5 });
    await a.complete({ system: 's', prompt: 'p2', maxTokens: 5 });
    const expectedHash = createHash('sha256')
      .update(JSON.stringify({ maxTokens: 5, model: 'scripted-1', prompt: 'p1', provider: 'scripted', schema: null, system: 's', temperature: null }))
      .digest('hex');
    expect(a.calls()[0]).toMatchObject({ callIndex: 0, provider: 'scripted', model: 'scripted-1', promptId: 'inline', promptVersion: 0, inputSha256: expectedHash, replayed: false });

    // The next attempt asks the same first question and a different second one.
    const second = new ScriptedProvider(PRICED, [{ text: 'two, again' }]);
    const b = new LlmClient(second, budget(), { journal });
    expect(await b.complete({ system: 's', prompt: 'p1', maxTokens: 5 })).toBe('one');
    expect(await b.complete({ system: 's', prompt: 'p2 changed', maxTokens: 5 })).toBe('two, again');
    expect(second.requests.map((r) => r.prompt)).toEqual(['p2 changed']);
    expect(b.calls().map((c) => c.replayed)).toEqual([true, false]);
    // Replayed usage counts in the task's usage; the money moved in the earlier attempt.
    expect(b.usage().tokens).toBe(40);
  });
});

describe('prompts', () => {
  const lib = new PromptLibrary([PromptLibrary.parse('WriterAgent.v2.md', '---\nagent: WriterAgent\nversion: 2\n---\nYou write. {{task}}\n'), PromptLibrary.parse('WriterAgent.v1.md', '---\nagent: WriterAgent\nversion: 1\n---\nOld. {{task}}\n')]);

  it('wraps each call’s instruction in the agent’s newest prompt file and records its version and hash', async () => {
    const p = new ScriptedProvider(FREE);
    const llm = new LlmClient(p, budget(), { agent: 'WriterAgent', prompts: lib });
    await llm.complete({ system: 'Write the intro.', prompt: 'facts', maxTokens: 10 });
    expect(p.requests[0].system).toBe('You write. Write the intro.');
    expect(llm.calls()[0]).toMatchObject({ promptId: 'WriterAgent', promptVersion: 2, promptSha256: lib.get('WriterAgent')!.sha256 });
    expect(lib.get('WriterAgent', 1)!.render('x')).toBe('Old. x');
  });

  it('refuses an agent without a prompt file, naming the file to add', async () => {
    const e = await failure(new LlmClient(new ScriptedProvider(FREE), budget(), { agent: 'GhostAgent', prompts: lib }).complete({ prompt: 'x', maxTokens: 1 }));
    expect(e.errorClass).toBe('fatal');
    expect(e.message).toContain('libs/agents/prompts/GhostAgent.v1.md');
  });

  it.each<[string, string, RegExp]>([
    ['Bad.md', '---\nagent: Bad\nversion: 1\n---\n{{task}}', /named <Agent>\.v<N>\.md/],
    ['AAgent.v1.md', 'no front matter {{task}}', /no front matter/],
    ['AAgent.v1.md', '---\nagent: BAgent\nversion: 1\n---\n{{task}}', /does not match the file name/],
    ['AAgent.v1.md', '---\nagent: AAgent\nversion: 2\n---\n{{task}}', /version 2 does not match the file name's v1/],
    ['AAgent.v1.md', '---\nagent: AAgent\nversion: 1\n---\nno placeholder', /exactly once \(found 0\)/],
    ['AAgent.v1.md', '---\nagent: [unclosed\n---\n{{task}}', /not YAML/],
  ])('rejects the malformed prompt file %s (%#)', (file, text, why) => {
    expect(() => PromptLibrary.parse(file, text)).toThrow(PromptFileError);
    expect(() => PromptLibrary.parse(file, text)).toThrow(why);
  });

  it('has a prompt file for every offline agent, and running each through it changes none of their output', async () => {
    const library = defaultPromptLibrary();
    expect(OFFLINE_AGENTS.map((a) => a.name).filter((n) => !library.get(n))).toEqual([]);
    const input = { runId: 'r', phase: 'any', agent: '', gateAttempt: 1, iteration: 0, shard: 0, shards: 1, idea: { idea: 'A recipe planner that builds a weekly shopping list', targetUsers: ['home cooks'], constraints: [] }, upstream: {}, previous: [] };
    for (const agent of OFFLINE_AGENTS.slice(0, 8)) {
      const ctx = (llm: LlmClient): AgentContext => ({ input: { ...input, agent: agent.name }, llm, checkpoint: { load: async () => undefined, save: async () => undefined }, heartbeat: () => undefined, progress: () => undefined, artifacts: { put: async () => ({ bucket: 'b', name: 'n', sha256: '0'.repeat(64), size: 0, contentType: 't', kind: 'k' }) }, remainingBudget: () => llm.remaining(), usage: () => llm.usage() });
      const bound = new LlmClient(new OfflineProvider(), budget(), { agent: agent.name });
      const plain = new LlmClient(new OfflineProvider(), budget());
      expect(JSON.stringify(await agent.run(ctx(bound)))).toBe(JSON.stringify(await agent.run(ctx(plain))));
      for (const c of bound.calls()) expect(c).toMatchObject({ promptId: agent.name, promptVersion: 1 });
    }
  });
});

describe('pricing', () => {
  it('reads the versioned table, by undated alias too, and lets the env override it', () => {
    expect(priceFor('anthropic', 'claude-sonnet-4-6', {})).toMatchObject({ usdPerMTokIn: 3, usdPerMTokOut: 15, usdPerMTokCacheRead: 0.3 });
    expect(listedPrice('anthropic', 'claude-haiku-4-5-20251001')).toMatchObject({ usdPerMTokIn: 1, usdPerMTokOut: 5 });
    expect(listedPrice('openai-compatible', 'gpt-4o-2024-08-06')).toMatchObject({ usdPerMTokIn: 2.5, usdPerMTokOut: 10 });
    expect(priceFor('anthropic', 'claude-sonnet-4-6', { IM_LLM_USD_PER_MTOK_OUT: '20' })).toMatchObject({ usdPerMTokIn: 3, usdPerMTokOut: 20 });
    expect(priceFor('openai-compatible', 'llama3.1', {})).toMatchObject({ usdPerMTokIn: 0, usdPerMTokOut: 0 });
    expect(priceFor('openai-compatible', 'my-hosted', { IM_LLM_USD_PER_MTOK_IN: '1', IM_LLM_USD_PER_MTOK_OUT: '2' })).toMatchObject({ usdPerMTokIn: 1, usdPerMTokOut: 2 });
  });

  it('refuses to guess: an unlisted Anthropic model or a bad override is a config error', () => {
    expect(() => priceFor('anthropic', 'claude-unknown-9', {})).toThrow(PricingConfigError);
    expect(() => priceFor('anthropic', 'claude-unknown-9', { IM_LLM_USD_PER_MTOK_IN: '1' })).toThrow(/set both/);
    expect(() => priceFor('anthropic', 'claude-sonnet-4-6', { IM_LLM_USD_PER_MTOK_IN: 'cheap' })).toThrow(/not a price/);
  });
});

describe('classifyError', () => {
  it.each([
    ['status 429', Object.assign(new Error('slow down'), { status: 429 }), 'rate_limit'],
    ['status 403', Object.assign(new Error('bad key'), { status: 403 }), 'auth'],
    ['status 502', Object.assign(new Error('boom'), { status: 502 }), 'transient'],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'transient'],
    ['TimeoutError', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), 'timeout'],
    ['AbortError', Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }), 'cancelled'],
    ['an error marked retryable (an artifact read that stalled)', Object.assign(new Error('artifact x: no chunk for 15000 ms'), { code: 'IM_ARTIFACT_READ_STALLED', retryable: true }), 'transient'],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'x')"), 'fatal'],
    ['a thrown string', 'a string', 'fatal'],
  ])("%s is classified %s", (_label, err, cls) => {
    expect(classifyError(err).errorClass).toBe(cls);
  });

  it('keeps an AgentError as it is and derives retryable from the class', () => {
    const e = new AgentError('schema_invalid', 'x');
    expect(classifyError(e)).toBe(e);
    expect(e.retryable).toBe(true);
    expect(e.code).toBe('IM_AGENT_SCHEMA_INVALID');
    expect(new AgentError('context_overflow', 'x').retryable).toBe(false);
  });
});
