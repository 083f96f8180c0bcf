import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPhaseConfigs, parsePhaseFile, PhaseConfigError, resolveConfigSetDir } from './load-phase-configs';

const good = `phase: prd
dependsOn: [critique]
parallelism: 3
aggregation: merge
agents: [StoryCutterAgent]
budgets: { tokens: 100, usd: 1, toolMinutes: 1, wallclockMinutes: 5 }
guards: [{ type: coverage, field: stories, min: 5 }]
gate: { passThreshold: 0.7, autoFix: true, maxAttempts: 5 }
`;

function problems(text: string, file = 'config/phases/prd.yaml') {
  try {
    parsePhaseFile(file, text);
  } catch (err) {
    if (err instanceof PhaseConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('phase configuration', () => {
  it('loads the shipped 13-phase configuration', () => {
    const configs = loadPhaseConfigs(join(__dirname, '..', '..', '..', 'config', 'phases'));
    expect(configs.map((c) => c.phase).sort()).toEqual(['aesthetic', 'architecture', 'beta', 'bizdev', 'build', 'critique', 'ideation', 'intake', 'prd', 'qa', 'release', 'security', 'story-loop']);
  });

  it('parses a valid file', () => {
    expect(parsePhaseFile('prd.yaml', good)).toMatchObject({ phase: 'prd', parallelism: 3, estimatedMinutes: 5 });
  });

  it.each([
    ['a bad parallelism', good.replace('parallelism: 3', 'parallelism: lots'), 'parallelism', /sequential, parallel, iterative or a whole number/],
    ['an unknown field', `${good}colour: blue\n`, 'colour', /unknown field/],
    ['a threshold above 1', good.replace('passThreshold: 0.7', 'passThreshold: 7'), 'gate.passThreshold', /must not be greater than 1/],
    ['a nested guard error', good.replace('type: coverage', 'type: vibes'), 'guards.0.type', /must be one of/],
    ['broken YAML', 'phase: [unclosed', '(yaml)', /.+/],
    ['a name that differs from the file', good.replace('phase: prd', 'phase: qa'), 'phase', /does not match the file name/],
  ])('refuses %s, naming the file, the field and why', (_what, text, field, reason) => {
    const found = problems(text);
    const p = found.find((x) => x.field === field);
    expect({ field: p?.field, file: p?.file }).toEqual({ field, file: 'config/phases/prd.yaml' });
    expect(p!.reason).toMatch(reason);
  });

  it('reports every bad file of a directory at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phases-'));
    writeFileSync(join(dir, 'prd.yaml'), good.replace('aggregation: merge', 'aggregation: blend'));
    writeFileSync(join(dir, 'qa.yaml'), 'nope: true\n');
    expect(() => loadPhaseConfigs(dir)).toThrow(/prd\.yaml: aggregation: [\s\S]*qa\.yaml: phase/);
  });

  it('resolves named config sets beside the default one', () => {
    const root = mkdtempSync(join(tmpdir(), 'sets-'));
    mkdirSync(join(root, 'phases'));
    expect(resolveConfigSetDir(join(root, 'phases'), 'lite')).toBe(join(root, 'phases-lite'));
    expect(resolveConfigSetDir(join(root, 'phases'), undefined)).toBe(join(root, 'phases'));
    expect(() => resolveConfigSetDir(join(root, 'phases'), '../etc')).toThrow(PhaseConfigError);
  });
});
