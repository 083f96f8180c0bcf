/**
 * Builds the dashboard (apps/api/dashboard) into dist/apps/api/dashboard with esbuild: one ES
 * module bundle and one stylesheet, no CDN, nothing fetched at build or run time. Part of
 * `npm run build`, so the api always serves the dashboard of its own commit.
 */
import { build } from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const src = join(root, 'apps', 'api', 'dashboard');
const out = join(root, 'dist', 'apps', 'api', 'dashboard');

async function main() {
  mkdirSync(join(out, 'assets'), { recursive: true });
  await build({
    entryPoints: { app: join(src, 'src', 'app.tsx') },
    outdir: join(out, 'assets'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
    // The eventsource package checks for Node globals it never needs in a browser.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  await build({ entryPoints: { app: join(src, 'src', 'styles.css') }, outdir: join(out, 'assets'), bundle: true, minify: true, logLevel: 'warning' });
  copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
  // The CLI is the package's bin; tsc does not set the executable bit.
  const cli = join(root, 'dist', 'apps', 'cli', 'src', 'main.js');
  if (existsSync(cli)) chmodSync(cli, 0o755);
}

main().catch((err) => {
  console.error(`dashboard build failed: ${(err as Error).message}`);
  process.exit(1);
});
