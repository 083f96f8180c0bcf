import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findNatsServer, findPostgresBin } from './binaries';
import { MissingBinaryError } from './errors';

describe('binaries', () => {
  let emptyDir: string;
  const savedPath = process.env.PATH;

  beforeEach(() => {
    emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ideamine-devstack-bin-'));
  });

  afterEach(() => {
    process.env.PATH = savedPath;
    fs.rmSync(emptyDir, { recursive: true, force: true });
  });

  it('finds the installed nats-server and postgres binaries as executable files', () => {
    for (const bin of [findNatsServer(), findPostgresBin('postgres'), findPostgresBin('initdb'), findPostgresBin('pg_ctl')]) {
      expect(path.isAbsolute(bin)).toBe(true);
      expect(() => fs.accessSync(bin, fs.constants.X_OK)).not.toThrow();
    }
    expect(path.basename(findNatsServer())).toBe('nats-server');
    expect(path.basename(findPostgresBin('initdb'))).toBe('initdb');
  });

  it('throws MissingBinaryError with the apt-get hint when nats-server is nowhere', () => {
    process.env.PATH = '';
    const error = catchError(() => findNatsServer({ dirs: [emptyDir] }));
    expect(error).toBeInstanceOf(MissingBinaryError);
    expect(error.code).toBe('IM_MISSING_BINARY');
    expect(error.binary).toBe('nats-server');
    expect(error.searched).toEqual([emptyDir]);
    expect(error.message).toBe(
      'nats-server not found on PATH or /usr/sbin. On Debian/Ubuntu: sudo apt-get install nats-server — ' +
        'or run `docker compose up -d nats postgres` and set NATS_URL / DATABASE_URL.',
    );
  });

  it('throws MissingBinaryError with the apt-get hint when postgres is nowhere', () => {
    process.env.PATH = '';
    const error = catchError(() => findPostgresBin('initdb', { dirs: [emptyDir], postgresRoots: [emptyDir] }));
    expect(error).toBeInstanceOf(MissingBinaryError);
    expect(error.code).toBe('IM_MISSING_BINARY');
    expect(error.message).toContain('sudo apt-get install postgresql');
    expect(error.message).toContain('set NATS_URL / DATABASE_URL');
  });

  it('prefers the highest installed postgres major version, compared numerically', () => {
    for (const version of ['9.6', '15', '16', 'not-a-version']) {
      fakeExecutable(path.join(emptyDir, version, 'bin', 'initdb'));
    }
    const found = findPostgresBin('initdb', { pathEnv: '', dirs: [], postgresRoots: [emptyDir] });
    expect(found).toBe(path.join(emptyDir, '16', 'bin', 'initdb'));
  });

  it('ignores files that are not executable', () => {
    const notExecutable = path.join(emptyDir, 'nats-server');
    fs.writeFileSync(notExecutable, '');
    // Even for root, X_OK needs at least one execute bit, so 0644 is "not executable".
    fs.chmodSync(notExecutable, 0o644);
    expect(() => findNatsServer({ pathEnv: '', dirs: [emptyDir] })).toThrow(MissingBinaryError);
  });
});

function fakeExecutable(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\n');
  fs.chmodSync(file, 0o755);
}

function catchError(action: () => unknown): MissingBinaryError {
  try {
    action();
  } catch (error) {
    return error as MissingBinaryError;
  }
  throw new Error('expected an error');
}
