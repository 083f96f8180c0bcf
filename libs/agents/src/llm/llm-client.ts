import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Budget, canonicalJson, sha256Hex, Usage, ZERO_SPEND } from '@ideamine/contracts';
import { AgentError, BudgetExceededError, classifyError, ProviderError, SchemaInvalidError, ToolError } from '../errors';
import { BudgetLedger, LocalBudgetLedger } from './budget-ledger';
import { defaultPromptLibrary, inlinePrompt, PromptLibrary, PromptTemplate } from './prompts';
import { costOf, estimateTokens, LlmProvider, ProviderResult, ProviderUsage, StreamProgress, StructuredOutput } from './provider';

export { estimateTokens };
export type { LlmProvider };

/** What an agent asks for. `system` is this call's instruction; the agent's prompt file wraps it. */
export interface CompletionRequest {
  system?: string;
  prompt: string;
  maxTokens: number;
  /** Ask for JSON fitting this schema; the answer is validated against it (schema_invalid if not). */
  schema?: StructuredOutput;
  temperature?: number;
  /** Overrides the client's per-call timeout. */
  timeoutMs?: number;
}

/** What the worker journals and the ledger records for every call. */
export interface LlmCallRecord {
  /** Position of the call within this task attempt, from 0, in the order the agent made them. */
  callIndex: number;
  provider: string;
  model: string;
  responseModel?: string;
  /** The agent's prompt file: `<Agent>` (or `inline`), its version and the file's sha256. */
  promptId: string;
  promptVersion: number;
  promptSha256: string;
  /** sha256 of the canonical JSON of everything sent: provider, model, system, prompt, maxTokens, schema, temperature. */
  inputSha256: string;
  usage: ProviderUsage & { tokens: number; usd: number; reported: boolean };
  /** What was reserved before the call. */
  estimate: { tokens: number; usd: number };
  stopReason?: string;
  requestId?: string;
  startedAt: string;
  durationMs: number;
  streamed: boolean;
  /** True when the result came from the journal: nothing was paid for it in this attempt. */
  replayed: boolean;
  /** Set on a failed call: what it was classified as. */
  error?: { errorClass: AgentError['errorClass']; message: string; retryable: boolean; retryAfterMs?: number };
}

export interface LlmCallResult extends LlmCallRecord {
  text: string;
  /** The structured output, validated against the request's schema. */
  json?: unknown;
}

/**
 * The worker's call journal (never pay twice): looked up before a call is paid for, written after.
 * A recorded result is used only when its inputSha256 equals the new call's; otherwise the agent
 * has asked something else at that index and the call is made (and recorded) afresh.
 */
export interface CallJournal {
  lookup(callIndex: number, inputSha256: string): Promise<LlmCallResult | undefined>;
  record(result: LlmCallResult): Promise<void>;
}

export interface ToolCallRecord {
  tool: string;
  startedAt: string;
  durationMs: number;
  minutes: number;
  ok: boolean;
}

export interface LlmProgress extends StreamProgress {
  callIndex: number;
}

export interface LlmClientOptions {
  /** Picks the agent's prompt file; without it calls are recorded with the `inline` prompt. */
  agent?: string;
  prompts?: PromptLibrary;
  /** Defaults to a LocalBudgetLedger over the budget given to the constructor. */
  ledger?: BudgetLedger;
  journal?: CallJournal;
  /** Streamed output as it arrives; the worker wires it to its progress heartbeat. */
  onProgress?: (p: LlmProgress) => void;
  /** At most one onProgress per interval per call (default 1000 ms; 0 = every chunk). */
  progressIntervalMs?: number;
  /** Every finished call, paid, replayed or failed. */
  onCall?: (record: LlmCallRecord) => void;
  /** Per-call timeout when the request sets none (default: the provider's, else 120 s). */
  timeoutMs?: number;
  /** Cancels every call in flight and refuses new ones (task cancelled, lease lost). */
  signal?: AbortSignal;
  startedAt?: number;
  now?: () => number;
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validators = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  let v = validators.get(schema);
  if (!v) {
    try {
      v = ajv.compile(schema);
    } catch (err) {
      throw new AgentError('fatal', `the structured-output schema does not compile: ${(err as Error).message}`, false);
    }
    validators.set(schema, v);
  }
  return v;
}

/**
 * Conservative token estimate for a reservation: 3 characters a token (English runs near 4, code
 * and other scripts lower), so an estimate rarely undershoots and the overshoot stays small.
 */
const reserveTokensFor = (text: string) => Math.ceil(text.length / 3);

/**
 * What agents call. Before every call it checks the wall clock and reserves the worst case
 * (prompt estimate + maxTokens, priced) in the budget ledger; after it, it settles the actual
 * usage from the response. It renders the agent's versioned prompt, validates structured output,
 * surfaces streamed tokens as progress, and records provider, model, prompt version and input
 * hash for every call (calls(), onCall, the CallJournal). ctx.llm.tool() charges tool minutes.
 */
export class LlmClient {
  private spent: ProviderUsage & { usd: number } = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, usd: 0 };
  private toolMinutesUsed = 0;
  private nextCall = 0;
  private readonly records: LlmCallRecord[] = [];
  private readonly tools: ToolCallRecord[] = [];
  private readonly ledger: BudgetLedger;
  private readonly startedAt: number;
  private readonly now: () => number;

  constructor(private readonly provider: LlmProvider, private readonly budget: Budget, private readonly options: LlmClientOptions = {}) {
    this.ledger = options.ledger ?? new LocalBudgetLedger(budget);
    this.now = options.now ?? Date.now;
    this.startedAt = options.startedAt ?? this.now();
  }

  get providerName(): string {
    return this.provider.name;
  }

  get model(): string {
    return this.provider.model;
  }

  /** The text of one call (the JSON text for structured output). */
  async complete(req: CompletionRequest): Promise<string> {
    return (await this.call(req)).text;
  }

  /** Structured output, validated against the schema. */
  async completeJson<T = unknown>(req: CompletionRequest & { schema: StructuredOutput }): Promise<T> {
    return (await this.call(req)).json as T;
  }

  async call(req: CompletionRequest): Promise<LlmCallResult> {
    if (!Number.isInteger(req.maxTokens) || req.maxTokens < 1) throw new AgentError('fatal', `maxTokens must be a positive integer, got ${req.maxTokens}`, false);
    const callIndex = this.nextCall++;
    const template = this.promptTemplate(req.system);
    const system = template.render(req.system);
    const sent = { provider: this.provider.name, model: this.provider.model, system, prompt: req.prompt, maxTokens: req.maxTokens, schema: req.schema ?? null, temperature: req.temperature ?? null };
    const inputSha256 = sha256Hex(canonicalJson(sent));
    const base = {
      callIndex,
      provider: this.provider.name,
      model: this.provider.model,
      promptId: template.id,
      promptVersion: template.version,
      promptSha256: template.sha256,
      inputSha256,
    };
    if (this.options.signal?.aborted) throw new AgentError('cancelled', 'the task was cancelled before this model call', false);

    const recorded = await this.options.journal?.lookup(callIndex, inputSha256);
    if (recorded && recorded.inputSha256 === inputSha256) {
      const replay: LlmCallResult = { ...recorded, callIndex, replayed: true };
      this.count(replay.usage, replay.usage.usd);
      this.finish(replay);
      return replay;
    }

    this.checkWallclock(`model call ${callIndex}`);
    const inEstimate = reserveTokensFor(system + req.prompt + (req.schema ? JSON.stringify(req.schema.schema) : ''));
    const estimate = { tokens: inEstimate + req.maxTokens, usd: costOf(this.provider.pricing, { inputTokens: inEstimate, outputTokens: req.maxTokens }) };
    const reservation = await this.ledger.reserve({ tokens: estimate.tokens, usd: estimate.usd, toolMinutes: 0 }, `${this.options.agent ?? 'agent'} call ${callIndex}`);

    const started = this.now();
    const startedAt = new Date(started).toISOString();
    let streamedChars = 0;
    let lastProgress = -Infinity;
    const interval = this.options.progressIntervalMs ?? 1000;
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs ?? this.provider.timeoutMs ?? 120_000;
    const deadline = this.deadlineSignal(timeoutMs);
    try {
      const result = await this.provider.complete({
        system,
        prompt: req.prompt,
        maxTokens: req.maxTokens,
        schema: req.schema,
        temperature: req.temperature,
        timeoutMs: deadline.timeoutMs,
        signal: deadline.signal,
        onProgress: (p) => {
          streamedChars = p.outputChars;
          const t = this.now();
          if (t - lastProgress < interval) return;
          lastProgress = t;
          this.options.onProgress?.({ ...p, callIndex });
        },
      });
      const usage = this.usageOf(result);
      await this.ledger.settle(reservation, { tokens: usage.tokens, usd: usage.usd, toolMinutes: 0 });
      this.count(usage, usage.usd);
      const done: LlmCallResult = {
        ...base,
        responseModel: result.responseModel,
        usage,
        estimate,
        stopReason: result.stopReason,
        requestId: result.requestId,
        startedAt,
        durationMs: this.now() - started,
        streamed: !!result.streamed,
        replayed: false,
        text: result.text,
      };
      if (req.schema) {
        const v = validatorFor(req.schema.schema);
        if (!v(result.json)) {
          const reason = (v.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
          throw this.failed(done, new SchemaInvalidError(`${this.options.agent ?? 'call'} ${req.schema.name}`, reason));
        }
        done.json = result.json;
      }
      await this.options.journal?.record(done);
      this.finish(done);
      return done;
    } catch (err) {
      if (err instanceof FailedCall) throw err.error;
      const fired = deadline.fired();
      const e =
        fired === 'wallclock'
          ? this.wallclockError(`model call ${callIndex}`)
          : fired === 'timeout'
            ? new AgentError('timeout', `${this.provider.name} call ${callIndex} ran past its ${timeoutMs} ms timeout`, true, { cause: err })
            : err instanceof AgentError
              ? err
              : classifyError(err);
      const spent = this.spentOnFailure(e, system + req.prompt, streamedChars);
      if (spent) {
        const usd = costOf(this.provider.pricing, spent);
        await this.ledger.settle(reservation, { tokens: tokensOf(spent), usd, toolMinutes: 0 });
        this.count(spent, usd);
      } else {
        await this.ledger.release(reservation);
      }
      const u = spent ?? { inputTokens: 0, outputTokens: 0 };
      this.finish({
        ...base,
        usage: { ...u, tokens: tokensOf(u), usd: spent ? costOf(this.provider.pricing, spent) : 0, reported: !!e.spent },
        estimate,
        startedAt,
        durationMs: this.now() - started,
        streamed: streamedChars > 0,
        replayed: false,
        error: { errorClass: e.errorClass, message: e.message, retryable: e.retryable, retryAfterMs: e instanceof ProviderError ? e.retryAfterMs : undefined },
      });
      throw e;
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Runs a tool and charges its time to the toolMinutes budget. The tool gets a signal that fires
   * when the remaining tool minutes, the wall clock or `timeoutMs` run out; the call then fails
   * with a budget (or timeout) error at that moment, so tool time overshoots by a timer tick at
   * most. `estimateMinutes` is reserved up front so parallel tools cannot all take the last minute.
   */
  async tool<T>(name: string, fn: (signal: AbortSignal) => Promise<T> | T, opts: { estimateMinutes?: number; timeoutMs?: number } = {}): Promise<T> {
    if (this.options.signal?.aborted) throw new AgentError('cancelled', `the task was cancelled before tool "${name}"`, false);
    this.checkWallclock(`tool ${name}`);
    // At least one millisecond: a tool always takes some time, so a 0-minute budget admits none.
    const want = Math.max(opts.estimateMinutes ?? 0, 1 / 60_000);
    const reservation = await this.ledger.reserve({ ...ZERO_SPEND, toolMinutes: want }, `tool ${name}`);
    const budgetMs = (this.ledger.remaining().toolMinutes + want) * 60_000;
    const wallMs = this.wallclockRemainingMs();
    const limitMs = Math.min(budgetMs, wallMs, opts.timeoutMs ?? Infinity);
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(this.options.signal?.reason);
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    const started = this.now();
    let timer: NodeJS.Timeout | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = timeout(() => {
        const minutes = (this.now() - started) / 60_000;
        const err =
          limitMs === opts.timeoutMs
            ? new AgentError('timeout', `tool "${name}" ran past its ${opts.timeoutMs} ms timeout`, true)
            : limitMs === wallMs
              ? this.wallclockError(`tool ${name}`)
              : new BudgetExceededError('toolMinutes', this.budget.toolMinutes, this.toolMinutesUsed + minutes, `tool ${name} stopped when the tool minutes ran out`);
        ctl.abort(err);
        reject(err);
      }, limitMs);
      ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason instanceof AgentError ? ctl.signal.reason : new AgentError('cancelled', `tool "${name}" cancelled`, false)), { once: true });
    });
    stop.catch(() => undefined); // settled by the race below; this only keeps a late rejection handled
    let ok = false;
    try {
      const out = await Promise.race([Promise.resolve().then(() => fn(ctl.signal)), stop]);
      ok = true;
      return out;
    } catch (err) {
      if (err instanceof AgentError) throw err;
      throw new ToolError(name, err);
    } finally {
      clearTimeout(timer);
      this.options.signal?.removeEventListener('abort', onAbort);
      const durationMs = this.now() - started;
      const minutes = durationMs / 60_000;
      this.toolMinutesUsed += minutes;
      this.tools.push({ tool: name, startedAt: new Date(started).toISOString(), durationMs, minutes, ok });
      await this.ledger.settle(reservation, { ...ZERO_SPEND, toolMinutes: minutes });
    }
  }

  usage(): Usage {
    return {
      tokens: tokensOf(this.spent),
      usd: Math.round(this.spent.usd * 1e6) / 1e6,
      toolMinutes: Math.round(this.toolMinutesUsed * 1e6) / 1e6,
      wallclockMs: Math.max(0, Math.round(this.now() - this.startedAt)),
    };
  }

  /** What is left for new calls: the ledger's view (reservations in flight count as spent). */
  remaining(): Budget {
    const r = this.ledger.remaining();
    return { tokens: r.tokens, usd: r.usd, toolMinutes: r.toolMinutes, wallclockMinutes: this.wallclockRemainingMs() / 60_000 };
  }

  /** Every call made through this client, in the order they finished. */
  calls(): readonly LlmCallRecord[] {
    return this.records;
  }

  toolCalls(): readonly ToolCallRecord[] {
    return this.tools;
  }

  private promptTemplate(task: string | undefined): PromptTemplate {
    const agent = this.options.agent;
    if (!agent) return inlinePrompt(task);
    const lib = this.options.prompts ?? defaultPromptLibrary();
    const t = lib.get(agent);
    if (!t) throw new AgentError('fatal', `no prompt file for ${agent}: add libs/agents/prompts/${agent}.v1.md (or point IM_PROMPTS_DIR at a folder that has one)`, false);
    return t;
  }

  private usageOf(r: ProviderResult): LlmCallRecord['usage'] {
    const u = { inputTokens: r.inputTokens, outputTokens: r.outputTokens, cacheReadTokens: r.cacheReadTokens ?? 0, cacheWriteTokens: r.cacheWriteTokens ?? 0 };
    return { ...u, tokens: tokensOf(u), usd: r.usd ?? costOf(this.provider.pricing, u), reported: r.usageReported !== false };
  }

  /**
   * What a failed call cost. The provider says so when it answered (e.spent); a request the
   * provider refused with a status cost nothing; a call that broke off (timeout, dropped stream)
   * may have been billed, so it is charged at the prompt estimate plus the output seen so far.
   */
  private spentOnFailure(e: AgentError, input: string, streamedChars: number): ProviderUsage | undefined {
    if (e.spent) return e.spent;
    if (e instanceof ProviderError && e.status !== undefined) return undefined;
    // Refused before anything was generated: a cancelled call, a bad request, a provider that cannot serve it.
    if (streamedChars === 0 && ['cancelled', 'fatal', 'auth', 'budget'].includes(e.errorClass)) return undefined;
    return { inputTokens: estimateTokens(input), outputTokens: Math.ceil(streamedChars / 4) };
  }

  private count(u: ProviderUsage, usd: number): void {
    this.spent = {
      inputTokens: this.spent.inputTokens + u.inputTokens,
      outputTokens: this.spent.outputTokens + u.outputTokens,
      cacheReadTokens: (this.spent.cacheReadTokens ?? 0) + (u.cacheReadTokens ?? 0),
      cacheWriteTokens: (this.spent.cacheWriteTokens ?? 0) + (u.cacheWriteTokens ?? 0),
      usd: Math.round((this.spent.usd + usd) * 1e6) / 1e6,
    };
  }

  private finish(record: LlmCallRecord): void {
    const { text: _t, json: _j, ...plain } = record as LlmCallResult;
    this.records.push(plain);
    this.options.onCall?.(plain);
  }

  private failed(done: LlmCallResult, error: AgentError): FailedCall {
    this.finish({ ...done, error: { errorClass: error.errorClass, message: error.message, retryable: error.retryable } });
    return new FailedCall(error);
  }

  private wallclockRemainingMs(): number {
    return Math.max(0, this.budget.wallclockMinutes * 60_000 - (this.now() - this.startedAt));
  }

  private wallclockError(what: string): BudgetExceededError {
    return new BudgetExceededError('wallclockMinutes', this.budget.wallclockMinutes, (this.now() - this.startedAt) / 60_000, `${what} reached the deadline`);
  }

  private checkWallclock(what: string): void {
    if (this.wallclockRemainingMs() <= 0) throw this.wallclockError(what);
  }

  /**
   * A signal that fires at the call's timeout, at the wall-clock deadline or when the task is
   * cancelled, whichever is first. The SDKs' own timeout stops at the response headers; a stream
   * that stalls after them is only ended by this.
   */
  private deadlineSignal(timeoutMs: number) {
    const ctl = new AbortController();
    const wallMs = this.wallclockRemainingMs();
    let fired: 'timeout' | 'wallclock' | undefined;
    const byTimeout = timeoutMs < wallMs;
    const timer = timeout(() => {
      fired = byTimeout ? 'timeout' : 'wallclock';
      ctl.abort(new Error(byTimeout ? `call timed out after ${timeoutMs} ms` : 'wall-clock budget reached'));
    }, Math.min(timeoutMs, wallMs));
    const onAbort = () => ctl.abort(this.options.signal?.reason);
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    return {
      signal: ctl.signal,
      timeoutMs: Math.max(1, Math.min(timeoutMs, wallMs)),
      fired: () => fired,
      dispose: () => {
        clearTimeout(timer);
        this.options.signal?.removeEventListener('abort', onAbort);
      },
    };
  }
}

/** Carries an error out of call() after its record was already written. */
class FailedCall {
  constructor(readonly error: AgentError) {}
}

/** setTimeout that is never armed for an unbounded wait (Node fires delays past 2^31-1 ms at once) and never holds the process open. */
function timeout(fn: () => void, ms: number): NodeJS.Timeout | undefined {
  if (!Number.isFinite(ms) || ms > 2 ** 31 - 1) return undefined;
  const t = setTimeout(fn, Math.max(0, ms));
  t.unref();
  return t;
}

const tokensOf = (u: ProviderUsage) => u.inputTokens + u.outputTokens + (u.cacheReadTokens ?? 0) + (u.cacheWriteTokens ?? 0);

