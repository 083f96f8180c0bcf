import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import YAML from 'yaml';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import type { PhaseConfig } from '@ideamine/contracts';
import { PhaseFileDto } from './phase-file.dto';

export interface PhaseConfigProblem {
  file: string;
  field: string;
  reason: string;
}

/** A phase file that cannot be used; the message names the file, the field and why. */
export class PhaseConfigError extends Error {
  readonly code = 'IM_PHASE_CONFIG';
  constructor(readonly problems: PhaseConfigProblem[]) {
    super(problems.map((p) => `${p.file}: ${p.field}: ${p.reason}`).join('\n'));
  }
}

function flatten(errors: ValidationError[], prefix = ''): { field: string; reason: string }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((reason) => ({ field, reason }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

export function parsePhaseFile(file: string, text: string): PhaseConfig {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    throw new PhaseConfigError([{ file, field: '(yaml)', reason: (err as Error).message.split('\n')[0] }]);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PhaseConfigError([{ file, field: '(root)', reason: 'must be a mapping of phase settings' }]);
  }
  const dto = plainToInstance(PhaseFileDto, doc);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) {
    throw new PhaseConfigError(flatten(errors).map((p) => ({ file, ...p, reason: p.reason.replace(/^property (\S+) should not exist$/, 'unknown field') })));
  }
  const expected = basename(file).replace(/\.ya?ml$/, '').replace(/^\d+[-_]/, '');
  if (dto.phase !== expected) {
    throw new PhaseConfigError([{ file, field: 'phase', reason: `"${dto.phase}" does not match the file name (expected "${expected}")` }]);
  }
  return {
    phase: dto.phase,
    dependsOn: dto.dependsOn,
    parallelism: dto.parallelism as PhaseConfig['parallelism'],
    ...(dto.iterations !== undefined ? { iterations: dto.iterations } : {}),
    ...(dto.shards !== undefined ? { shards: dto.shards } : {}),
    aggregation: dto.aggregation as PhaseConfig['aggregation'],
    agents: dto.agents,
    budgets: { ...dto.budgets },
    guards: dto.guards.map((g) => ({ ...g }) as PhaseConfig['guards'][number]),
    gate: { ...dto.gate },
    estimatedMinutes: dto.estimatedMinutes ?? dto.budgets.wallclockMinutes,
  };
}

/** Loads and validates every *.yaml in a directory; all problems are reported at once. */
export function loadPhaseConfigs(dir: string): PhaseConfig[] {
  let files: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (err) {
    throw new PhaseConfigError([{ file: dir, field: '(directory)', reason: `cannot read phase directory: ${(err as Error).message}` }]);
  }
  if (files.length === 0) throw new PhaseConfigError([{ file: dir, field: '(directory)', reason: 'no *.yaml phase files' }]);
  const problems: PhaseConfigProblem[] = [];
  const configs: PhaseConfig[] = [];
  for (const f of files) {
    const path = join(dir, f);
    try {
      configs.push(parsePhaseFile(path, readFileSync(path, 'utf8')));
    } catch (err) {
      if (err instanceof PhaseConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  const seen = new Map<string, string>();
  for (const c of configs) {
    if (seen.has(c.phase)) problems.push({ file: dir, field: 'phase', reason: `"${c.phase}" is defined twice` });
    seen.set(c.phase, c.phase);
  }
  if (problems.length) throw new PhaseConfigError(problems);
  return configs;
}

/** Config sets live side by side: <root>/<set> or, for the default set, the root itself. */
export function resolveConfigSetDir(phasesDir: string, configSet: string | undefined): string {
  if (!configSet || configSet === 'default') return phasesDir;
  if (!/^[a-z0-9-]{1,64}$/.test(configSet)) throw new PhaseConfigError([{ file: phasesDir, field: 'configSet', reason: `"${configSet}" is not a valid config set name` }]);
  return join(phasesDir, '..', `phases-${configSet}`);
}
