/**
 * Writes proto-events/schemas from the TypeScript contracts. `--check` exits 1 when the committed
 * schemas differ (CI and contracts.spec.ts run the same comparison).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportSchemas } from '../libs/contracts/src/schema-export';
import { flowsMarkdown } from '../libs/deciders/src/flows';

// npm scripts run from the repository root.
const outDir = join(process.cwd(), 'proto-events', 'schemas');
const check = process.argv.includes('--check');
let stale = 0;
for (const [file, schema] of Object.entries(exportSchemas())) {
  const path = join(outDir, file);
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  if (check) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
      console.error(`stale: proto-events/schemas/${file}`);
      stale++;
    }
    continue;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
const flows = join(process.cwd(), 'proto-events', 'FLOWS.md');
if (check) {
  if (!existsSync(flows) || readFileSync(flows, 'utf8') !== flowsMarkdown()) {
    console.error('stale: proto-events/FLOWS.md');
    stale++;
  }
} else writeFileSync(flows, flowsMarkdown());
if (check && stale) {
  console.error(`${stale} schema file(s) disagree with libs/contracts; run npm run proto:gen`);
  process.exit(1);
}
console.log(check ? 'proto-events schemas match libs/contracts' : `wrote ${Object.keys(exportSchemas()).length} schemas to ${outDir}`);
