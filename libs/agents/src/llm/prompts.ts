import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

/**
 * Per-agent system prompts in versioned files, libs/agents/prompts/<Agent>.v<N>.md:
 *
 *   ---
 *   agent: IdeaParserAgent
 *   version: 1
 *   description: what the agent is for
 *   ---
 *   You are ... {{task}} ...
 *
 * `{{task}}` is replaced by the instruction of one call (the `system` an agent passes). A changed
 * prompt is a new file with the next version, so a recorded call's (agent, version, sha256) still
 * names the exact text it was sent.
 */

export class PromptFileError extends Error {
  readonly code = 'IM_PROMPT_FILE';
  constructor(message: string) {
    super(message);
    this.name = 'PromptFileError';
  }
}

export interface PromptTemplate {
  /** The agent name, or `inline` for calls made without a prompt file. */
  id: string;
  version: number;
  /** sha256 of the file's bytes (of the inline text for inline prompts). */
  sha256: string;
  file?: string;
  description?: string;
  render(task: string | undefined): string;
}

const FILE = /^([A-Za-z][A-Za-z0-9]*)\.v(\d+)\.md$/;
const PLACEHOLDER = '{{task}}';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function parse(file: string, text: string): PromptTemplate {
  const name = file.split(/[\\/]/).pop()!;
  const m = FILE.exec(name);
  if (!m) throw new PromptFileError(`${file}: a prompt file is named <Agent>.v<N>.md`);
  const fm = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (!fm) throw new PromptFileError(`${file}: no front matter (a --- block with agent and version) at the top`);
  let meta: Record<string, unknown>;
  try {
    meta = (YAML.parse(fm[1]) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new PromptFileError(`${file}: front matter is not YAML: ${(err as Error).message}`);
  }
  if (meta.agent !== m[1]) throw new PromptFileError(`${file}: front matter agent "${String(meta.agent)}" does not match the file name "${m[1]}"`);
  if (meta.version !== Number(m[2])) throw new PromptFileError(`${file}: front matter version ${String(meta.version)} does not match the file name's v${m[2]}`);
  const body = fm[2].trim();
  const uses = body.split(PLACEHOLDER).length - 1;
  if (uses !== 1) throw new PromptFileError(`${file}: the body must contain ${PLACEHOLDER} exactly once (found ${uses})`);
  return {
    id: m[1],
    version: Number(m[2]),
    sha256: sha256(text),
    file,
    description: typeof meta.description === 'string' ? meta.description : undefined,
    render: (task) => body.replace(PLACEHOLDER, task?.trim() || 'Follow the user message.'),
  };
}

/** A prompt for calls that name no agent (ad-hoc use, tests): the call's own instruction, hashed. */
export function inlinePrompt(task: string | undefined): PromptTemplate {
  const text = task ?? '';
  return { id: 'inline', version: 0, sha256: sha256(text), render: () => text };
}

export class PromptLibrary {
  private readonly byAgent = new Map<string, PromptTemplate[]>();

  constructor(templates: PromptTemplate[]) {
    for (const t of templates) {
      const list = this.byAgent.get(t.id) ?? [];
      if (list.some((x) => x.version === t.version)) throw new PromptFileError(`two prompt files for ${t.id} v${t.version}`);
      list.push(t);
      list.sort((a, b) => b.version - a.version);
      this.byAgent.set(t.id, list);
    }
  }

  /** Reads every <Agent>.v<N>.md in a folder; a malformed file is an error naming it and why. */
  static load(dir: string): PromptLibrary {
    if (!existsSync(dir)) throw new PromptFileError(`prompt folder ${dir} does not exist (set IM_PROMPTS_DIR to the folder of <Agent>.v<N>.md files)`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md').sort();
    return new PromptLibrary(files.map((f) => parse(join(dir, f), readFileSync(join(dir, f), 'utf8'))));
  }

  static parse = parse;

  /** The newest version for an agent, or a pinned one. */
  get(agent: string, version?: number): PromptTemplate | undefined {
    const list = this.byAgent.get(agent);
    if (!list) return undefined;
    return version === undefined ? list[0] : list.find((t) => t.version === version);
  }

  agents(): string[] {
    return [...this.byAgent.keys()].sort();
  }
}

/** libs/agents/prompts, found from source (ts-jest), from dist/ and from the repository root. */
export function defaultPromptDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IM_PROMPTS_DIR) return env.IM_PROMPTS_DIR;
  const candidates = [
    join(__dirname, '..', '..', 'prompts'),
    join(__dirname, '..', '..', '..', '..', '..', 'libs', 'agents', 'prompts'),
    join(process.cwd(), 'libs', 'agents', 'prompts'),
  ];
  return candidates.find((d) => existsSync(d)) ?? candidates[0];
}

let shared: PromptLibrary | undefined;

/** The library every agent-bound LlmClient uses unless given another; read once per process. */
export function defaultPromptLibrary(): PromptLibrary {
  shared ??= PromptLibrary.load(defaultPromptDir());
  return shared;
}
