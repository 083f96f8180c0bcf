import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'setup.sh');

/**
 * `npm run setup` decides what to install and how (directly as root, through sudo otherwise, or
 * a clear refusal). Real sh runs the real script; apt-get, sudo, id and npm are recording stubs
 * on PATH, so nothing is installed and every branch is exercised on any machine.
 */
describe('scripts/setup.sh', () => {
  let dir: string;
  const stub = (name: string, body: string) => {
    writeFileSync(join(dir, 'bin', name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  };
  const run = (uid: number, withSudo: boolean) => {
    rmSync(join(dir, 'bin'), { recursive: true, force: true });
    execFileSync('mkdir', ['-p', join(dir, 'bin')]);
    for (const tool of ['dirname', 'cat']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(dir, 'bin', tool));
    writeFileSync(join(dir, 'calls'), '');
    stub('id', `[ "$1" = "-u" ] && echo ${uid} || echo "uid=${uid}"`);
    stub('apt-get', `echo "apt-get $*" >> ${join(dir, 'calls')}`);
    stub('npm', `echo "npm $*" >> ${join(dir, 'calls')}`);
    stub('env', `shift; "$@"`);
    if (withSudo) stub('sudo', `echo "sudo $1" >> ${join(dir, 'calls')}; "$@"`);
    const r = spawnSync('/bin/sh', [SCRIPT], {
      encoding: 'utf8',
      env: { PATH: join(dir, 'bin'), NATS_URL: 'nats://127.0.0.1:4222', DATABASE_URL: 'postgres://x@127.0.0.1/x', CHROMIUM_PATH: join(dir, 'no-chromium'), IM_SETUP_FONT_DIRS: join(dir, 'no-fonts') },
    });
    return { code: r.status, out: r.stdout + r.stderr, calls: readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').filter(Boolean) };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ideamine-setup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('as root without sudo installs exactly what is missing with apt-get itself', () => {
    const r = run(0, false);
    expect(r.code).toBe(0);
    expect(r.calls[0]).toBe('apt-get update');
    expect(r.calls[1]).toBe('apt-get install -y --no-install-recommends chromium poppler-utils fonts-dejavu-core fonts-droid-fallback fonts-symbola');
    expect(r.calls.some((c) => c.startsWith('sudo'))).toBe(false);
    // NATS_URL / DATABASE_URL given: the servers are not needed.
    expect(r.out).not.toMatch(/nats-server|postgresql/);
  });

  it('as a user with sudo goes through sudo', () => {
    const r = run(1000, true);
    expect(r.code).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('sudo'))).toEqual(['sudo apt-get', 'sudo env']);
    expect(r.calls).toContain('apt-get update');
  });

  it('as a user without sudo stops with the packages to install', () => {
    const r = run(1000, false);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/not root and no sudo: install them \(apt-get install chromium poppler-utils fonts-dejavu-core fonts-droid-fallback fonts-symbola\)/);
    expect(r.calls).toEqual([]);
  });
});
