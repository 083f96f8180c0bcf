import * as fs from 'node:fs';
import * as path from 'node:path';
import { MissingBinaryError } from './errors';

export type PostgresBinary = 'postgres' | 'initdb' | 'pg_ctl';

/**
 * Where to look for binaries. Every field defaults to this machine's real locations; tests
 * override them to prove the "missing" path.
 */
export interface BinarySearchOptions {
  /** A PATH-style list; defaults to process.env.PATH. */
  pathEnv?: string;
  /** Extra directories searched after PATH; defaults to the Debian locations /usr/sbin, /usr/local/bin. */
  dirs?: readonly string[];
  /** Roots holding `<version>/bin` (Debian's layout); defaults to /usr/lib/postgresql. */
  postgresRoots?: readonly string[];
}

const DEFAULT_DIRS = ['/usr/sbin', '/usr/local/bin'];
const DEFAULT_POSTGRES_ROOTS = ['/usr/lib/postgresql'];
const DOCKER_HINT = 'or run `docker compose up -d nats postgres` and set NATS_URL / DATABASE_URL.';

export function findNatsServer(search: BinarySearchOptions = {}): string {
  const dirs = [...pathDirs(search), ...(search.dirs ?? DEFAULT_DIRS)];
  return (
    firstExecutable('nats-server', dirs) ??
    missing(
      'nats-server',
      dirs,
      `nats-server not found on PATH or /usr/sbin. On Debian/Ubuntu: sudo apt-get install nats-server — ${DOCKER_HINT}`,
    )
  );
}

export function findPostgresBin(name: PostgresBinary, search: BinarySearchOptions = {}): string {
  const dirs = [
    ...pathDirs(search),
    ...(search.dirs ?? DEFAULT_DIRS),
    ...versionedBinDirs(search.postgresRoots ?? DEFAULT_POSTGRES_ROOTS),
  ];
  return (
    firstExecutable(name, dirs) ??
    missing(
      name,
      dirs,
      `${name} not found on PATH or /usr/lib/postgresql/*/bin. On Debian/Ubuntu: sudo apt-get install postgresql — ${DOCKER_HINT}`,
    )
  );
}

function pathDirs(search: BinarySearchOptions): string[] {
  const pathEnv = search.pathEnv ?? process.env.PATH ?? '';
  return pathEnv.split(path.delimiter).filter((dir) => dir !== '');
}

/** `<root>/<version>/bin` for every installed major version, highest version first. */
function versionedBinDirs(roots: readonly string[]): string[] {
  const found: { version: number[]; bin: string }[] = [];
  for (const root of roots) {
    let entries: string[];
    try {
      entries = fs.readdirSync(root);
    } catch {
      continue; // root not present: nothing installed there
    }
    for (const entry of entries) {
      if (/^\d+(\.\d+)*$/.test(entry)) {
        found.push({ version: entry.split('.').map(Number), bin: path.join(root, entry, 'bin') });
      }
    }
  }
  // Numeric, not lexical: "9.6" must sort below "15".
  found.sort((a, b) => compareVersions(b.version, a.version));
  return found.map((f) => f.bin);
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function firstExecutable(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function missing(binary: string, searched: readonly string[], message: string): never {
  throw new MissingBinaryError(binary, searched, message);
}
