import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataDirAccessError } from './errors';
import type { RunAs } from './server-process';

/**
 * initdb and postgres refuse to run as root. As root we therefore run them as the system user
 * `postgres` (created by Debian's postgresql-common) and hand the data directory to it.
 * As any other user they simply run as that user.
 */
export function postgresRunAs(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new DataDirAccessError(
      '',
      'running as root, but there is no `postgres` user to run postgres as (postgres refuses to run as root). ' +
        'On Debian/Ubuntu: sudo apt-get install postgresql (creates the user), or run as a normal user.',
    );
  }
}

/**
 * Give `dirs` to the postgres user (recursively when an existing tree belongs to someone else,
 * e.g. a data dir first created as another user) and check that user can reach them.
 */
export function handOverToPostgres(dirs: readonly string[], runAs: RunAs | undefined): void {
  if (runAs === undefined) return;
  for (const dir of dirs) {
    if (fs.statSync(dir).uid !== runAs.uid) chownTree(dir, runAs);
    assertPostgresCanWrite(dir, runAs);
  }
}

function chownTree(target: string, runAs: RunAs): void {
  fs.chownSync(target, runAs.uid, runAs.gid);
  if (!fs.lstatSync(target).isDirectory()) return;
  for (const entry of fs.readdirSync(target)) chownTree(path.join(target, entry), runAs);
}

function assertPostgresCanWrite(dir: string, runAs: RunAs): void {
  if (canAccessAs(runAs, '-w', dir) && canAccessAs(runAs, '-x', dir)) return;
  const blocking = firstUnreachableAncestor(dir, runAs);
  throw new DataDirAccessError(
    dir,
    `the postgres user (uid ${runAs.uid}) cannot write ${dir}. Postgres refuses to run as root, so it runs as ` +
      `"postgres", which needs search permission on every parent directory. ` +
      (blocking ? `Fix: chmod o+x ${blocking} — or use a directory under /tmp.` : 'Use a directory under /tmp.'),
  );
}

function firstUnreachableAncestor(dir: string, runAs: RunAs): string | undefined {
  const parts = path.resolve(dir).split(path.sep).filter((p) => p !== '');
  let current: string = path.sep;
  for (const part of parts) {
    current = path.join(current, part);
    if (!canAccessAs(runAs, '-x', current)) return current; // ancestors before it were searchable
  }
  return undefined;
}

/** Ask the kernel rather than re-implementing permission rules (ACLs, groups). */
function canAccessAs(runAs: RunAs, testFlag: '-w' | '-x', target: string): boolean {
  const result = spawnSync('test', [testFlag, target], { uid: runAs.uid, gid: runAs.gid, cwd: '/' });
  return result.status === 0;
}
