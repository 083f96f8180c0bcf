import YAML from 'yaml';
import type { Agent, AgentInput } from '../sdk';
import { Component, componentsOf, Stack, stackOf } from './architecture.agents';
import { DataModel, dataModelOf, domainEntities } from './data-model';
import { notifiedEntity } from './ideation.agents';
import { IdeaModel, ideaOf } from './idea-model';
import { asRecord, asStrings, kebab, lookup, narrate, plural, snake, sortedUniq } from './util';

/** Deployable units: every client, service and worker component gets an app folder. */
export function deployables(components: Component[]): { component: string; app: string }[] {
  return components.filter((c) => !c.runsIn && (c.kind === 'client' || c.kind === 'service' || c.kind === 'worker')).map((c) => ({ component: c.name, app: kebab(c.name.replace(/ (app|service|worker|gateway)$/i, '')) || kebab(c.name) }));
}

/** The secrets the chosen stack needs at runtime (names only; values live in the secret manager). */
export function requiredSecrets(stack: Stack): { name: string; usedBy: string }[] {
  const has = (need: string) => stack.choices.some((c) => c.need === need);
  const pkg = (name: string) => stack.packages.some((p) => p.name === name);
  const out = [{ name: 'DATABASE_URL', usedBy: 'API' }];
  if (stack.choices.some((c) => c.need === 'authentication' && /OpenID/.test(c.choice))) out.push({ name: 'OIDC_CLIENT_SECRET', usedBy: 'authentication' });
  else out.push({ name: 'JWT_SIGNING_KEY', usedBy: 'authentication' });
  if (has('scheduled notifications')) out.push({ name: 'REDIS_URL', usedBy: 'scheduled notifications' });
  if (pkg('nodemailer') || pkg('aiosmtplib')) out.push({ name: 'SMTP_PASSWORD', usedBy: 'e-mail' });
  if (pkg('twilio')) out.push({ name: 'TWILIO_AUTH_TOKEN', usedBy: 'sms' });
  if (pkg('web-push')) out.push({ name: 'VAPID_PRIVATE_KEY', usedBy: 'push notifications' });
  if (has('video')) out.push({ name: 'LIVEKIT_API_SECRET', usedBy: 'video' });
  if (has('payments')) out.push({ name: 'STRIPE_SECRET_KEY', usedBy: 'payments' }, { name: 'STRIPE_WEBHOOK_SECRET', usedBy: 'payments' });
  return out;
}

function apiFiles(stack: Stack, dm: DataModel): string[] {
  return dm.entities.flatMap((e) => {
    const dir = plural(kebab(e.name));
    return stack.language === 'python'
      ? [`apps/api/app/routers/${snake(plural(e.name))}.py`, `apps/api/app/models/${snake(e.name)}.py`, `apps/api/tests/test_${snake(plural(e.name))}.py`]
      : [`apps/api/src/${dir}/${kebab(e.name)}.controller.ts`, `apps/api/src/${dir}/${kebab(e.name)}.service.ts`, `apps/api/src/${dir}/${kebab(e.name)}.entity.ts`, `apps/api/src/${dir}/${kebab(e.name)}.controller.spec.ts`];
  });
}

function clientFiles(app: string, dm: DataModel): string[] {
  const entities = domainEntities(dm);
  if (app === 'mobile') return ['apps/mobile/app/_layout.tsx', ...entities.flatMap((e) => [`apps/mobile/app/${plural(kebab(e.name))}/index.tsx`, `apps/mobile/app/${plural(kebab(e.name))}/[id].tsx`])];
  return [`apps/${app}/index.html`, `apps/${app}/src/main.tsx`, ...entities.flatMap((e) => [`apps/${app}/src/pages/${plural(kebab(e.name))}/${e.name}List.tsx`, `apps/${app}/src/pages/${plural(kebab(e.name))}/${e.name}Form.tsx`])];
}

export function deriveRepository(model: IdeaModel, stack: Stack, components: Component[], dm: DataModel) {
  const apps = deployables(components);
  const py = stack.language === 'python';
  const layout = [
    'README.md',
    '.gitignore',
    '.env.example',
    'docker-compose.yml',
    '.github/workflows/ci.yml',
    'docs/architecture.md',
    'libs/contracts/openapi.json',
    py ? 'pyproject.toml' : 'package.json',
    ...(py ? ['apps/api/app/main.py'] : ['apps/api/src/main.ts', 'apps/api/src/app.module.ts']),
    ...apiFiles(stack, dm),
    ...apps.filter((a) => a.app !== 'api').flatMap((a) => (/client/.test(components.find((c) => c.name === a.component)?.kind ?? '') ? clientFiles(a.app, dm) : [`apps/${a.app}/src/main.ts`])),
    ...apps.filter((a) => a.app !== 'web').map((a) => `apps/${a.app}/Dockerfile`),
    ...(components.some((c) => c.kind === 'worker') ? [`apps/notification/src/jobs/${kebab(notifiedEntity(model))}-notifications.ts`] : []),
    ...dm.entities.map((e, i) => `migrations/${String(i + 1).padStart(4, '0')}_create_${snake(plural(e.name))}.sql`),
    ...(components.some((c) => c.name === 'Audit log') ? ['apps/api/src/audit/audit-log.ts', `migrations/${String(dm.entities.length + 1).padStart(4, '0')}_create_audit_log.sql`, 'SECURITY.md'] : []),
    ...domainEntities(dm).map((e) => `e2e/${plural(kebab(e.name))}.e2e.ts`),
  ];
  return { name: kebab(model.title), language: stack.language, apps: apps.map((a) => `apps/${a.app}`), layout: sortedUniq(layout), envExample: requiredSecrets(stack).map((s) => `${s.name}=`) };
}

export function repositoryOf(input: AgentInput, model = ideaOf(input)) {
  const up = asRecord(lookup(input, 'repository'));
  if (asStrings(up.layout).length) return { name: String(up.name ?? kebab(model.title)), layout: asStrings(up.layout), apps: asStrings(up.apps) };
  return deriveRepository(model, stackOf(input, model), componentsOf(input, model), dataModelOf(input, model));
}

interface BuildStep {
  id: string;
  name: string;
  command: string;
  dependsOn: string[];
}

export function deriveBuildSteps(model: IdeaModel, stack: Stack, components: Component[], dm: DataModel): BuildStep[] {
  const py = stack.language === 'python';
  const repo = kebab(model.title);
  const raw: [string, string][] = [
    ['Install dependencies', py ? 'pip install -e ".[dev]"' : 'npm ci'],
    ['Lint', py ? 'ruff check .' : 'npx eslint .'],
    ['Type-check', py ? 'mypy apps/api/app' : 'npx tsc --noEmit'],
    ['Unit tests', py ? 'pytest apps/api/tests' : 'npx jest'],
    [`Apply migrations (${dm.entities.map((e) => snake(plural(e.name))).join(', ')})`, py ? 'alembic upgrade head' : 'npm run migrate'],
    ...deployables(components).map((d) => [`Build ${d.component}`, py && d.app === 'api' ? 'python -m build apps/api' : `npm run build --workspace apps/${d.app}`] as [string, string]),
    ...deployables(components)
      .filter((d) => d.app !== 'web')
      .map((d) => [`Container image for ${d.component}`, `docker build -f apps/${d.app}/Dockerfile -t ${repo}/${d.app}:$GIT_SHA .`] as [string, string]),
  ];
  return raw.map(([name, command], i) => ({ id: `B-${i + 1}`, name, command, dependsOn: i === 0 ? [] : i < 5 ? [`B-${i}`] : ['B-4', 'B-5'] }));
}

export function deriveCiPipeline(model: IdeaModel, stack: Stack, steps: BuildStep[], components: Component[]) {
  const py = stack.language === 'python';
  const regulated = model.regulated.length > 0;
  const jobs = [
    { id: 'build', name: 'Build and test', needs: [] as string[], steps: steps.filter((s) => !s.name.startsWith('Container')).map((s) => s.command) },
    { id: 'security', name: 'Security scans', needs: ['build'], steps: [py ? 'cyclonedx-py environment -o sbom.json' : 'npx @cyclonedx/cyclonedx-npm --output-file sbom.json', 'gitleaks detect --no-banner', 'semgrep scan --config p/owasp-top-ten --error'] },
    ...(components.some((c) => c.name === 'Web app') ? [{ id: 'accessibility', name: `Accessibility (${model.compliance.find((c) => c.startsWith('WCAG')) ?? 'WCAG 2.2 AA'})`, needs: ['build'], steps: ['npx playwright test e2e --grep @a11y'] }] : []),
    { id: 'images', name: 'Container images', needs: ['build', 'security'], steps: steps.filter((s) => s.name.startsWith('Container')).map((s) => s.command) },
    { id: 'deploy-staging', name: `Deploy to staging (${stack.region})`, needs: ['images'], steps: ['./scripts/deploy.sh staging'] },
    { id: 'deploy-production', name: `Deploy to production (${stack.region})`, needs: ['deploy-staging'], environment: regulated ? 'production (manual approval)' : 'production', steps: ['./scripts/deploy.sh production'] },
  ];
  const workflow = YAML.stringify({
    name: `${model.title} CI`,
    on: { push: { branches: ['main'] }, pull_request: {} },
    jobs: Object.fromEntries(jobs.map((j) => [j.id, { name: j.name, 'runs-on': 'ubuntu-latest', ...(j.needs.length ? { needs: j.needs } : {}), ...('environment' in j ? { environment: j.environment } : {}), steps: [{ uses: 'actions/checkout@v4' }, ...j.steps.map((run) => ({ run }))] }])),
  });
  return { provider: 'github-actions', triggers: ['push to main', 'pull request'], jobs, workflow };
}

export const RepoBlueprintAgent: Agent = {
  name: 'RepoBlueprintAgent',
  description: 'Lays out the repository: apps per deployable component, files per entity, migrations and tests',
  outputSchema: {
    type: 'object',
    required: ['repository'],
    properties: {
      repository: {
        type: 'object',
        required: ['name', 'layout', 'apps', 'readme'],
        properties: { name: { type: 'string', minLength: 1 }, layout: { type: 'array', minItems: 5, items: { type: 'string' } }, apps: { type: 'array', minItems: 1 }, readme: { type: 'string' } },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const repository = deriveRepository(model, stackOf(ctx.input, model), componentsOf(ctx.input, model), dataModelOf(ctx.input, model));
    const readme = await narrate(ctx, 'Write the README introduction.', [model.summary, `Apps: ${repository.apps.join(', ')}`, `Configure ${repository.envExample.map((e) => e.replace('=', '')).join(', ')} from the secret manager`], 80);
    ctx.progress(100, `${repository.layout.length} paths`);
    return { repository: { ...repository, readme } };
  },
};

export const BuildPlanAgent: Agent = {
  name: 'BuildPlanAgent',
  description: 'Orders the build: install, checks, tests, migrations, builds and images',
  outputSchema: {
    type: 'object',
    required: ['buildSteps', 'buildNotes'],
    properties: { buildSteps: { type: 'array', minItems: 3, items: { type: 'object', required: ['id', 'name', 'command', 'dependsOn'] } }, buildNotes: { type: 'string' } },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const buildSteps = deriveBuildSteps(model, stackOf(ctx.input, model), componentsOf(ctx.input, model), dataModelOf(ctx.input, model));
    const buildNotes = await narrate(ctx, 'Summarise the build.', buildSteps.map((s) => `${s.name}: ${s.command}`), 80);
    ctx.progress(100, `${buildSteps.length} steps`);
    return { buildSteps, buildNotes };
  },
};

export const CIPipelineAgent: Agent = {
  name: 'CIPipelineAgent',
  description: 'Writes the CI pipeline (build, security scans, images, staged deploys)',
  outputSchema: {
    type: 'object',
    required: ['ciPipeline'],
    properties: {
      ciPipeline: {
        type: 'object',
        required: ['provider', 'jobs', 'workflow', 'summary'],
        properties: { jobs: { type: 'array', minItems: 3, items: { type: 'object', required: ['id', 'name', 'needs', 'steps'] } }, workflow: { type: 'string', minLength: 1 }, summary: { type: 'string' } },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const stack = stackOf(ctx.input, model);
    const components = componentsOf(ctx.input, model);
    const ciPipeline = deriveCiPipeline(model, stack, deriveBuildSteps(model, stack, components, dataModelOf(ctx.input, model)), components);
    await ctx.artifacts.put('ci-workflow', ciPipeline.workflow, 'application/yaml');
    const summary = await narrate(ctx, 'Summarise the pipeline.', ciPipeline.jobs.map((j) => `${j.name} runs ${j.steps.join('; ')}`), 80);
    ctx.progress(100, `${ciPipeline.jobs.length} jobs`);
    return { ciPipeline: { ...ciPipeline, summary } };
  },
};

export const BUILD_AGENTS: Agent[] = [RepoBlueprintAgent, BuildPlanAgent, CIPipelineAgent];
