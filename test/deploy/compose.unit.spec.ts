/**
 * Static checks of the deployment files: docker-compose.yml covers every app with the right entry,
 * port, health check and NATS identity, and agrees with deploy/nats/nats-server.conf and the image.
 * No docker engine is needed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { DEFAULT_PORTS } from '../../libs/service-kit/src/service-config';

const ROOT = resolve(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

type Service = {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
  ports?: string[];
  volumes?: string[];
  deploy?: { replicas?: number };
  restart?: string;
};

const compose = YAML.parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const conf = read('deploy/nats/nats-server.conf');
const APPS = readdirSync(join(ROOT, 'apps')).filter((d) => d !== 'cli' && statSync(join(ROOT, 'apps', d)).isDirectory()).sort();
const WITH_DATABASE = ['api', 'ledger-projector'];

const joined = (v: string[] | string | undefined) => (Array.isArray(v) ? v.join(' ') : v ?? '');
const passwordVar = (user: string) => `NATS_${user.toUpperCase().replace(/-/g, '_')}_PASSWORD`;
/** user -> the variable its password is read from, as written in the conf. */
function confUsers(): Map<string, string> {
  const out = new Map<string, string>();
  const re = /user:\s*"?([A-Za-z0-9_-]+)"?\s*\n\s*password:\s*\$([A-Z0-9_]+)/g;
  for (const m of conf.matchAll(re)) out.set(m[1], m[2]);
  return out;
}

describe('docker-compose.yml', () => {
  it('has one service per app (except cli), plus nats, postgres, migrate and provision', () => {
    expect(APPS.length).toBeGreaterThanOrEqual(8);
    for (const app of APPS) expect(Object.keys(services)).toContain(app);
    for (const infra of ['nats', 'postgres', 'migrate', 'provision']) expect(Object.keys(services)).toContain(infra);
    expect(Object.keys(services)).not.toContain('cli');
  });

  describe.each(APPS)('%s', (app) => {
    const s = services[app];
    const env = s.environment ?? {};

    it('runs dist/apps/<app>/src/main.js from the shared image', () => {
      expect(joined(s.command)).toMatch(new RegExp(`^node( --[a-z-]+)* dist/apps/${app}/src/main\\.js$`));
      expect(s.build).toEqual({ context: '.', dockerfile: 'deploy/Dockerfile' });
      expect(s.image).toBe(services.api.image);
    });

    it('listens on its default port and checks /health/ready on it with node', () => {
      const port = DEFAULT_PORTS[app as keyof typeof DEFAULT_PORTS];
      expect(env.PORT).toBe(String(port));
      const test = joined(s.healthcheck?.test);
      expect(test).toContain(`http://127.0.0.1:${port}/health/ready`);
      expect(test).toMatch(/^CMD node -e /);
    });

    it('connects to NATS as its own user, with its password variable and a dev-only default', () => {
      expect(env.NATS_URL).toBe(`nats://${app}:\${${passwordVar(app)}:-dev-${app}}@nats:4222`);
      expect(confUsers().get(app)).toBe(passwordVar(app));
      expect(s.depends_on?.nats).toEqual({ condition: 'service_healthy' });
    });

    it('starts after the provision one-shot (services may not create streams)', () => {
      expect(s.depends_on?.provision).toEqual({ condition: 'service_completed_successfully' });
    });

    it(`has DATABASE_URL only if it uses Postgres (${WITH_DATABASE.join(', ')}) and then waits for migrate`, () => {
      if (WITH_DATABASE.includes(app)) {
        expect(env.DATABASE_URL).toMatch(/^postgres:\/\/ideamine:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432\/ideamine$/);
        expect(s.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
        expect(s.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
      } else {
        expect(env.DATABASE_URL).toBeUndefined();
        expect(s.depends_on?.migrate).toBeUndefined();
      }
    });

    it('reads config/phases and the JetStream spec relative to /app', () => {
      expect(env.IM_PHASES_DIR).toBe('config/phases');
      expect(env.IM_JETSTREAM_SPEC).toBe('deploy/nats/jetstream.yaml');
    });
  });

  it('api publishes 8080 and requires IM_API_KEYS from the environment', () => {
    expect(services.api.ports?.some((p) => /:8080$/.test(p))).toBe(true);
    expect(services.api.environment?.IM_API_KEYS).toMatch(/^\$\{IM_API_KEYS:\?.+\}$/);
  });

  it('worker runs two replicas', () => {
    expect(services.worker.deploy?.replicas).toBe(2);
  });

  it('migrate is a one-shot CLI migrate after Postgres is healthy', () => {
    const m = services.migrate;
    expect(joined(m.command)).toMatch(/dist\/apps\/cli\/src\/main\.js migrate$/);
    expect(m.restart).toBe('no');
    expect(m.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
    expect(m.environment?.DATABASE_URL).toBe(services.api.environment?.DATABASE_URL);
  });

  it('provision is a one-shot CLI provision as the cli NATS user; drift (exit 2) does not block the stack', () => {
    const p = services.provision;
    expect(p.restart).toBe('no');
    expect(joined(p.command)).toMatch(/^sh -c node dist\/apps\/cli\/src\/main\.js provision; rc=\$\$\?; \[ \$\$rc -eq 0 \] \|\| \[ \$\$rc -eq 2 \]$/);
    expect(p.environment?.NATS_URL).toBe('nats://cli:${NATS_CLI_PASSWORD:-dev-cli}@nats:4222');
    expect(p.environment?.IM_JETSTREAM_SPEC ?? 'deploy/nats/jetstream.yaml').toBe('deploy/nats/jetstream.yaml');
    expect(p.depends_on?.nats).toEqual({ condition: 'service_healthy' });
  });

  it('nats runs JetStream on a named volume with the conf mounted and a /healthz check', () => {
    const n = services.nats;
    expect(n.image).toMatch(/^nats:2\.(9|10)-alpine$/);
    expect(joined(n.command)).toContain('-js -sd /data');
    expect(joined(n.command)).toContain('-c /etc/nats/nats-server.conf');
    expect(n.volumes).toContain('./deploy/nats/nats-server.conf:/etc/nats/nats-server.conf:ro');
    const dataVolume = n.volumes?.find((v) => v.endsWith(':/data'))?.split(':')[0];
    expect(compose.volumes).toHaveProperty(dataVolume!);
    expect(joined(n.healthcheck?.test)).toContain('http://127.0.0.1:8222/healthz');
    expect(conf).toMatch(/^http_port:\s*8222$/m);
  });

  it('nats gets every password variable the conf reads, each with a dev-only default', () => {
    const users = confUsers();
    expect([...users.keys()].sort()).toEqual([...APPS, 'cli', 'tap'].sort());
    const env = services.nats.environment ?? {};
    for (const variable of users.values()) expect(env[variable]).toMatch(new RegExp(`^\\$\\{${variable}:-dev-[a-z-]+\\}$`));
    // Every $VARIABLE in the conf is either defined in the conf or handed to the container.
    const defined = new Set([...conf.matchAll(/^([A-Z_]+)\s*=/gm)].map((m) => m[1]));
    const unquoted = conf.replace(/#.*$/gm, '').replace(/"[^"\n]*"/g, '""');
    const referenced = [...unquoted.matchAll(/\$([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[1]);
    expect(referenced).toContain('NATS_TAP_PASSWORD');
    for (const v of referenced) expect(defined.has(v) || v in env).toBe(true);
  });

  it('postgres has a volume, pg_isready and no hard-coded password', () => {
    const p = services.postgres;
    expect(p.image).toBe('postgres:16-alpine');
    expect(p.volumes?.some((v) => v.endsWith(':/var/lib/postgresql/data'))).toBe(true);
    expect(joined(p.healthcheck?.test)).toContain('pg_isready');
    expect(p.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?.+\}$/);
  });

  it('hard-codes no secret: every password is an env variable, defaults only dev-* NATS ones', () => {
    let checked = 0;
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (!/(PASSWORD|KEYS?)$/.test(key)) continue;
        checked++;
        expect(`${name}.${key}=${value}`).toMatch(/=\$\{[A-Z_]+(:-(dev-[a-z-]+)?|:\?[^}]*)\}$/);
      }
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/_URL$/.test(key)) expect(`${name}.${key}=${value}`).not.toMatch(/:\/\/[^:/]+:(?!\$\{)[^@]*@/);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe('deploy/Dockerfile and .dockerignore', () => {
  const dockerfile = read('deploy/Dockerfile');

  it('builds in stages on node:20-bookworm-slim and runs as a non-root user from /app', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect((dockerfile.match(/^FROM \$\{NODE_IMAGE\} AS \w+$/gm) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci\b/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^WORKDIR \/app$/m);
    expect(runtime).toMatch(/^USER node$/m);
    for (const dir of ['node_modules', 'dist', 'config', 'deploy/nats']) expect(runtime).toContain(`./${dir}`);
    expect(runtime).toMatch(/^CMD \["node", "-e", /m);
  });

  it('keeps local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const p of ['dist', '.data', 'out', '.git']) expect(ignored).toContain(p);
    expect(ignored.some((l) => l === 'node_modules' || l === '**/node_modules')).toBe(true);
  });
});
