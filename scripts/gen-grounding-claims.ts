/**
 * Builds libs/agents/src/grounding/data/claims.v1.json: evidence from the fixture ideas and the
 * offline agents' output for them, claims by controlled perturbation (see grounding/dataset.ts).
 * `--check` exits 1 when the committed file differs from what this would write.
 * Run from the repository root: npm run grounding:gen (or grounding:check).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IdeaInput } from '../libs/contracts/src';
import { ClaimDataset, DATASET_METHOD, generateClaims } from '../libs/agents/src/grounding/dataset';
import { evidenceFor } from '../libs/agents/src/grounding/evidence';

async function main() {
  const ideas = JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 'ideas.json'), 'utf8')) as (IdeaInput & { name: string })[];
  const evidence = (await Promise.all(ideas.map((i) => evidenceFor(i.name, { idea: i.idea, targetUsers: i.targetUsers, constraints: i.constraints })))).flat();
  const dataset: ClaimDataset = { version: 1, method: DATASET_METHOD, evidence, claims: generateClaims(evidence) };
  const text = `${JSON.stringify(dataset, null, 1)}\n`;
  const path = join(process.cwd(), 'libs', 'agents', 'src', 'grounding', 'data', 'claims.v1.json');
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      console.error('libs/agents/src/grounding/data/claims.v1.json is stale: run npm run grounding:gen');
      process.exit(1);
    }
    console.log('grounding claims match the generator');
    return;
  }
  writeFileSync(path, text);
  const by = (l: string) => dataset.claims.filter((c) => c.label === l).length;
  console.log(`wrote ${dataset.claims.length} claims (${by('supported')} supported, ${by('unsupported')} unsupported) over ${evidence.length} evidence texts`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
