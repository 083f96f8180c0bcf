import type { Agent, AgentInput } from '../sdk';
import { capitalize } from './analysis';
import { DataModel, dataModelOf, deriveDataModel, domainEntities, Entity, Field } from './data-model';
import { notifiedEntity } from './ideation.agents';
import { IdeaModel, ideaOf, isSensitiveEntity } from './idea-model';
import { nfrsOf } from './prd.agents';
import { SectionPlan, toMarkdown, writeSections } from './sections';
import { asArray, asRecord, asString, isRecord, kebab, lookup, lowerFirst, narrate, plural, recordsWith, spaced, byText } from './util';

// ---------------------------------------------------------------- stack

export interface Pkg {
  ecosystem: 'npm' | 'pypi';
  name: string;
  version: string;
  license: string;
}

export interface StackChoice {
  need: string;
  choice: string;
  reason: string;
  packages: Pkg[];
}

export interface Stack {
  language: 'typescript' | 'python';
  frontend: string[];
  backend: string;
  database: string;
  hosting: string;
  region: string;
  choices: StackChoice[];
  packages: Pkg[];
}

const npm = (name: string, version: string, license = 'MIT'): Pkg => ({ ecosystem: 'npm', name, version, license });
const pypi = (name: string, version: string, license = 'MIT'): Pkg => ({ ecosystem: 'pypi', name, version, license });

/** Pinned package sets per technology, for both backend languages. */
const CATALOG = {
  backend: { typescript: [npm('@nestjs/core', '10.4.15'), npm('@nestjs/common', '10.4.15'), npm('typeorm', '0.3.20'), npm('pg', '8.13.1'), npm('zod', '3.24.1'), npm('pino', '9.6.0')], python: [pypi('fastapi', '0.115.6'), pypi('sqlalchemy', '2.0.36'), pypi('psycopg', '3.2.3', 'LGPL-3.0-only'), pypi('pydantic', '2.10.4'), pypi('uvicorn', '0.34.0', 'BSD-3-Clause'), pypi('structlog', '24.4.0', 'Apache-2.0')] },
  web: [npm('react', '18.3.1'), npm('react-dom', '18.3.1'), npm('react-router-dom', '7.1.1'), npm('vite', '6.0.7')],
  mobile: [npm('react-native', '0.76.5'), npm('expo', '52.0.23')],
  oidc: { typescript: [npm('openid-client', '6.1.7')], python: [pypi('authlib', '1.4.0', 'BSD-3-Clause')] },
  password: { typescript: [npm('argon2', '0.41.1'), npm('jose', '5.9.6')], python: [pypi('argon2-cffi', '23.1.0'), pypi('pyjwt', '2.10.1')] },
  queue: { typescript: [npm('bullmq', '5.34.6'), npm('ioredis', '5.4.2')], python: [pypi('celery', '5.4.0', 'BSD-3-Clause'), pypi('redis', '5.2.1')] },
  email: { typescript: [npm('nodemailer', '6.9.16', 'MIT-0')], python: [pypi('aiosmtplib', '3.0.2')] },
  sms: { typescript: [npm('twilio', '5.4.0')], python: [pypi('twilio', '9.4.1')] },
  push: [npm('web-push', '3.6.7', 'MPL-2.0')],
  video: { typescript: [npm('livekit-server-sdk', '2.9.7', 'Apache-2.0')], python: [pypi('livekit-api', '0.8.0', 'Apache-2.0')] },
  videoClient: [npm('livekit-client', '2.8.0', 'Apache-2.0')],
  realtime: { typescript: [npm('socket.io', '4.8.1')], python: [pypi('python-socketio', '5.12.1')] },
  payments: { typescript: [npm('stripe', '17.5.0')], python: [pypi('stripe', '11.4.1')] },
  files: { typescript: [npm('@aws-sdk/client-s3', '3.717.0', 'Apache-2.0')], python: [pypi('boto3', '1.35.90', 'Apache-2.0')] },
  kms: { typescript: [npm('@aws-sdk/client-kms', '3.717.0', 'Apache-2.0')], python: [pypi('boto3', '1.35.90', 'Apache-2.0')] },
  maps: [npm('maplibre-gl', '4.7.1', 'BSD-3-Clause')],
  offlineWeb: [npm('dexie', '4.0.10', 'Apache-2.0')],
  offlineMobile: [npm('expo-sqlite', '15.0.5')],
};

function stackChoices(model: IdeaModel): StackChoice[] {
  const s = model.signals;
  const lang = s.language;
  const last = spaced(model.entities[model.entities.length - 1]);
  const out: StackChoice[] = [
    { need: 'API', choice: lang === 'python' ? 'FastAPI + SQLAlchemy' : 'NestJS + TypeORM', reason: lang === 'python' ? 'Python was asked for in the constraints' : `Typed CRUD for ${model.entities.map((e) => plural(spaced(e))).join(', ')}`, packages: CATALOG.backend[lang] },
    { need: 'database', choice: 'PostgreSQL 16', reason: `Relational data: ${model.entities.length} related entities`, packages: [] },
  ];
  if (s.web) out.push({ need: 'web client', choice: 'React + Vite', reason: `Browser access for ${model.personas.map(plural).join(', ')}`, packages: CATALOG.web });
  if (s.mobile) out.push({ need: 'mobile client', choice: 'React Native (Expo)', reason: 'The idea asks for phones', packages: CATALOG.mobile });
  out.push(
    model.dataSensitivity === 'high'
      ? { need: 'authentication', choice: 'OpenID Connect with MFA', reason: `Sensitive data (${model.regulated.join(', ') || 'personal'}) needs strong sign-in`, packages: CATALOG.oidc[lang] }
      : { need: 'authentication', choice: 'E-mail and password (argon2) with JWT sessions', reason: 'Low-sensitivity personal data', packages: CATALOG.password[lang] },
  );
  if (s.notifications) out.push({ need: 'scheduled notifications', choice: lang === 'python' ? 'Celery + Redis' : 'BullMQ + Redis', reason: `${capitalize(plural(spaced(notifiedEntity(model))))} must fire at their time`, packages: [...CATALOG.queue[lang], ...(s.email ? CATALOG.email[lang] : []), ...(s.sms ? CATALOG.sms[lang] : []), ...(!s.email && !s.sms && s.web ? CATALOG.push : [])] });
  if (s.video) out.push({ need: 'video', choice: 'LiveKit (WebRTC SFU)', reason: `Video for ${plural(spaced(model.entities.find((e) => /visit|call|session|meeting|class/i.test(e)) ?? last))}`, packages: [...CATALOG.video[lang], ...CATALOG.videoClient] });
  if (s.realtime) out.push({ need: 'realtime messaging', choice: 'Socket.IO', reason: 'Live updates and chat', packages: CATALOG.realtime[lang] });
  if (s.payments) out.push({ need: 'payments', choice: 'Stripe Checkout', reason: 'Hosted card handling keeps card data out of scope', packages: CATALOG.payments[lang] });
  if (s.files) out.push({ need: 'file storage', choice: 'S3-compatible object storage', reason: `Documents attached to ${plural(last)}`, packages: CATALOG.files[lang] });
  if (model.dataSensitivity === 'high') out.push({ need: 'field encryption', choice: 'Envelope encryption with a managed KMS', reason: `Encrypt ${model.entities.filter((e) => isSensitiveEntity(model, e)).map(spaced).join(', ') || 'personal data'} at rest`, packages: CATALOG.kms[lang] });
  if (s.location) out.push({ need: 'maps', choice: 'MapLibre GL', reason: 'Locations on a map', packages: CATALOG.maps });
  if (s.offline) out.push({ need: 'offline storage', choice: s.mobile ? 'SQLite on device' : 'IndexedDB (Dexie)', reason: 'Works without a connection and syncs later', packages: s.mobile ? CATALOG.offlineMobile : CATALOG.offlineWeb });
  return out;
}

export function deriveStack(model: IdeaModel): Stack {
  const choices = stackChoices(model);
  const seen = new Set<string>();
  const packages = choices
    .flatMap((c) => c.packages)
    .filter((p) => (seen.has(`${p.ecosystem}:${p.name}`) ? false : (seen.add(`${p.ecosystem}:${p.name}`), true)))
    .sort((a, b) => byText(a.ecosystem, b.ecosystem) || byText(a.name, b.name));
  const hipaa = model.regulated.includes('HIPAA');
  return {
    language: model.signals.language,
    frontend: choices.filter((c) => /client/.test(c.need)).map((c) => c.choice),
    backend: choices[0].choice,
    database: 'PostgreSQL 16',
    hosting: hipaa ? 'AWS HIPAA-eligible services (ECS Fargate, RDS) under a BAA' : 'Containers on AWS ECS Fargate with RDS',
    region: model.signals.euResidency ? 'eu-central-1' : 'us-east-1',
    choices,
    packages,
  };
}

function isPkg(v: unknown): v is Pkg {
  return isRecord(v) && typeof v.name === 'string' && typeof v.version === 'string' && (v.ecosystem === 'npm' || v.ecosystem === 'pypi');
}

export function stackOf(input: AgentInput, model = ideaOf(input)): Stack {
  const up = asRecord(lookup(input, 'stack'));
  const packages = asArray(up.packages).filter(isPkg);
  if (!packages.length || typeof up.backend !== 'string') return deriveStack(model);
  return { ...deriveStack(model), ...(up as unknown as Stack), packages: packages.map((p) => ({ ...p, license: asString(p.license, 'NOASSERTION') })) };
}

// ---------------------------------------------------------------- components

export interface Component {
  name: string;
  kind: 'client' | 'service' | 'datastore' | 'worker' | 'integration';
  responsibility: string;
  tech: string;
  entities: string[];
  /** Set when the component is a module of another deployable rather than a deployable of its own. */
  runsIn?: string;
}

const choiceOf = (stack: Stack, need: string) => stack.choices.find((c) => c.need === need)?.choice;

export function deriveComponents(model: IdeaModel, stack: Stack, dm: DataModel): Component[] {
  const names = domainEntities(dm).map((e) => e.name);
  const things = names.map((e) => plural(spaced(e))).join(', ');
  const sensitive = names.filter((e) => isSensitiveEntity(model, e));
  const caps = model.capabilities.slice(0, 3).map((c) => lowerFirst(c.name)).join(', ');
  const out: Component[] = [];
  const add = (c: Component | false | undefined) => c && out.push(c);
  add(!!choiceOf(stack, 'web client') && { name: 'Web app', kind: 'client', responsibility: `Lets ${model.personas.map(plural).join(', ')} ${caps} in the browser`, tech: choiceOf(stack, 'web client')!, entities: names });
  add(!!choiceOf(stack, 'mobile client') && { name: 'Mobile app', kind: 'client', responsibility: `Lets ${plural(model.personas[0])} ${caps} on their phones`, tech: choiceOf(stack, 'mobile client')!, entities: names });
  add({ name: 'API service', kind: 'service', responsibility: `Validates and serves ${things}; enforces who may see which record`, tech: stack.backend, entities: names });
  add({ name: 'Database', kind: 'datastore', responsibility: `Stores ${things}${dm.entities.some((e) => e.name === 'User') ? ' and user accounts' : ''}`, tech: stack.database, entities: dm.entities.map((e) => e.name) });
  // An external identity provider is an integration; password sign-in is part of our own service surface.
  const auth = choiceOf(stack, 'authentication');
  const users = dm.entities.some((e) => e.name === 'User') ? ['User'] : [];
  if (auth) add(/OpenID/.test(auth) ? { name: 'Identity provider', kind: 'integration', responsibility: `Signs in ${model.personas.map(plural).join(', ')} with MFA`, tech: auth, entities: users } : { name: 'Auth module', kind: 'service', responsibility: `Signs up and signs in ${model.personas.map(plural).join(', ')}`, tech: auth, entities: users, runsIn: 'API service' });
  add(!!choiceOf(stack, 'scheduled notifications') && { name: 'Notification worker', kind: 'worker', responsibility: `Sends ${spaced(notifiedEntity(model))} notifications on time and records delivery`, tech: choiceOf(stack, 'scheduled notifications')!, entities: [notifiedEntity(model)] });
  add(!!choiceOf(stack, 'video') && { name: 'Media server', kind: 'integration', responsibility: `Hosts the video rooms of ${things.split(', ').filter((t) => /visit|call|session|meeting|class/.test(t)).join(', ') || 'calls'}`, tech: choiceOf(stack, 'video')!, entities: names.filter((e) => /visit|call|session|meeting|class|video/i.test(e)) });
  add(!!choiceOf(stack, 'realtime messaging') && { name: 'Realtime gateway', kind: 'service', responsibility: 'Pushes live updates and messages to connected clients', tech: choiceOf(stack, 'realtime messaging')!, entities: names });
  add(!!choiceOf(stack, 'payments') && { name: 'Payment provider', kind: 'integration', responsibility: 'Takes card payments and sends payment events', tech: choiceOf(stack, 'payments')!, entities: names.filter((e) => /pay|order|invoice|subscription/i.test(e)) });
  add(!!choiceOf(stack, 'file storage') && { name: 'Object storage', kind: 'datastore', responsibility: `Keeps documents attached to ${plural(spaced(names[names.length - 1]))}`, tech: choiceOf(stack, 'file storage')!, entities: names.slice(-1) });
  add(model.regulated.length > 0 && { name: 'Audit log', kind: 'datastore', responsibility: `Append-only record of every access to ${sensitive.map((e) => plural(spaced(e))).join(', ') || things} (${model.regulated.join(', ')})`, tech: `${stack.database} append-only table`, entities: sensitive });
  add(!!choiceOf(stack, 'field encryption') && { name: 'Key management', kind: 'integration', responsibility: `Holds the keys that encrypt ${sensitive.map(spaced).join(', ') || 'personal data'}`, tech: choiceOf(stack, 'field encryption')!, entities: sensitive });
  return out;
}

export function componentsOf(input: AgentInput, model = ideaOf(input)): Component[] {
  const up = recordsWith(lookup(input, 'components'), ['name', 'responsibility', 'tech']);
  if (!up.length) return deriveComponents(model, stackOf(input, model), dataModelOf(input, model));
  return up.map((c) => ({ name: asString(c.name), kind: (asString(c.kind) || 'service') as Component['kind'], responsibility: asString(c.responsibility), tech: asString(c.tech), entities: asArray(c.entities).filter((e): e is string => typeof e === 'string'), ...(typeof c.runsIn === 'string' ? { runsIn: c.runsIn } : {}) }));
}

// ---------------------------------------------------------------- OpenAPI

const JSON_TYPES: Record<Field['type'], Record<string, string>> = {
  uuid: { type: 'string', format: 'uuid' },
  string: { type: 'string' },
  text: { type: 'string' },
  integer: { type: 'integer' },
  number: { type: 'number' },
  boolean: { type: 'boolean' },
  date: { type: 'string', format: 'date' },
  'date-time': { type: 'string', format: 'date-time' },
};

const SERVER_SET = new Set(['id', 'createdAt', 'updatedAt', 'passwordHash']);

export const collectionPath = (entity: string) => `/${plural(kebab(entity))}`;

function schemasFor(e: Entity) {
  const readable = e.fields.filter((f) => f.name !== 'passwordHash');
  const writable = e.fields.filter((f) => !SERVER_SET.has(f.name));
  const props = (fs: Field[]) => Object.fromEntries(fs.map((f) => [f.name, { ...JSON_TYPES[f.type], ...(f.sensitive ? { 'x-sensitive': true } : {}) }]));
  return {
    [e.name]: { type: 'object', required: readable.filter((f) => f.required).map((f) => f.name), properties: props(readable) },
    [`${e.name}Input`]: { type: 'object', required: writable.filter((f) => f.required).map((f) => f.name), properties: props(writable) },
  };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const errorResponse = (description: string) => ({ description, ...json(ref('Error')) });

function crudPaths(e: Entity): Record<string, unknown> {
  const tag = e.name;
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
  const base = collectionPath(e.name);
  return {
    [base]: {
      get: { tags: [tag], operationId: `list${plural(e.name)}`, summary: `List ${plural(spaced(e.name))}`, parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } }, { name: 'cursor', in: 'query', schema: { type: 'string' } }], responses: { '200': { description: `A page of ${plural(spaced(e.name))}`, ...json({ type: 'array', items: ref(e.name) }) } } },
      post: { tags: [tag], operationId: `create${e.name}`, summary: `Create a ${spaced(e.name)}`, requestBody: { required: true, ...json(ref(`${e.name}Input`)) }, responses: { '201': { description: 'Created', ...json(ref(e.name)) }, '400': errorResponse('Invalid input') } },
    },
    [`${base}/{id}`]: {
      parameters: [idParam],
      get: { tags: [tag], operationId: `get${e.name}`, summary: `Get a ${spaced(e.name)}`, responses: { '200': { description: 'Found', ...json(ref(e.name)) }, '404': errorResponse('Not found') } },
      put: { tags: [tag], operationId: `update${e.name}`, summary: `Update a ${spaced(e.name)}`, requestBody: { required: true, ...json(ref(`${e.name}Input`)) }, responses: { '200': { description: 'Updated', ...json(ref(e.name)) }, '400': errorResponse('Invalid input'), '404': errorResponse('Not found') } },
      delete: { tags: [tag], operationId: `delete${e.name}`, summary: `Delete a ${spaced(e.name)}`, responses: { '204': { description: 'Deleted' }, '404': errorResponse('Not found') } },
    },
  };
}

/** CRUD paths per entity, plus a child listing under each parent ("/patients/{id}/video-visits"). */
export function deriveOpenApi(model: IdeaModel, dm: DataModel) {
  const paths: Record<string, unknown> = {};
  for (const e of dm.entities) Object.assign(paths, crudPaths(e));
  for (const r of dm.relations) {
    paths[`${collectionPath(r.to)}/{id}${collectionPath(r.from)}`] = {
      get: { tags: [r.from], operationId: `list${plural(r.from)}Of${r.to}`, summary: `List the ${plural(spaced(r.from))} of a ${spaced(r.to)}`, parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }], responses: { '200': { description: `${capitalize(plural(spaced(r.from)))} of the ${spaced(r.to)}`, ...json({ type: 'array', items: ref(r.from) }) }, '404': errorResponse('Not found') } },
    };
  }
  const schemas = Object.assign({ Error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } }, ...dm.entities.map(schemasFor));
  const secured = model.signals.accounts;
  return {
    openapi: '3.0.3',
    info: { title: `${model.title} API`, version: '1.0.0', description: model.summary },
    servers: [{ url: `https://api.${kebab(model.title)}.example.com/v1` }],
    tags: dm.entities.map((e) => ({ name: e.name, description: `${capitalize(plural(spaced(e.name)))}` })),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => byText(a, b))),
    components: { schemas, ...(secured ? { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } } : {}) },
    ...(secured ? { security: [{ bearerAuth: [] }] } : {}),
  };
}

// ---------------------------------------------------------------- architecture document

function docPlans(input: AgentInput, model: IdeaModel, stack: Stack, dm: DataModel, components: Component[]): SectionPlan[] {
  const nfrs = nfrsOf(input, model);
  return [
    { id: 'context', heading: 'Context', facts: [model.summary, `Users: ${model.personas.map(plural).join(', ')}`, ...model.constraints.map((c) => `Constraint: ${c}`)] },
    { id: 'components', heading: 'Components', facts: components.map((c) => `${c.name} (${c.tech}): ${c.responsibility}`) },
    { id: 'data', heading: 'Data model', facts: [...dm.entities.map((e) => `${e.name}: ${e.fields.map((f) => f.name).join(', ')}${e.sensitive ? ' (sensitive)' : ''}`), ...dm.relations.map((r) => `Each ${spaced(r.from)} belongs to a ${spaced(r.to)} (${r.field})`)] },
    { id: 'api', heading: 'API', facts: dm.entities.map((e) => `${collectionPath(e.name)} and ${collectionPath(e.name)}/{id} manage ${plural(spaced(e.name))}`) },
    { id: 'deployment', heading: 'Deployment', facts: [`Hosting: ${stack.hosting}`, `Region: ${stack.region}`, ...nfrs.filter((n) => /availability|performance|scalability/.test(n.category)).map((n) => `${n.text}: ${n.metric} ${n.target}`)] },
    { id: 'security', heading: 'Security and compliance', facts: [`Data sensitivity: ${model.dataSensitivity}`, ...model.compliance.map((c) => `Complies with ${c}`), ...nfrs.filter((n) => /security|compliance/.test(n.category)).map((n) => `${n.text} (${n.target})`)] },
    { id: 'decisions', heading: 'Decisions', facts: stack.choices.map((c) => `${capitalize(c.need)}: ${c.choice}, because ${lowerFirst(c.reason)}`) },
  ];
}

// ---------------------------------------------------------------- agents

export const StackRecommenderAgent: Agent = {
  name: 'StackRecommenderAgent',
  description: 'Chooses the technology for each need the idea implies, with pinned packages',
  outputSchema: {
    type: 'object',
    required: ['stack'],
    properties: {
      stack: {
        type: 'object',
        required: ['language', 'backend', 'database', 'frontend', 'choices', 'packages', 'rationale'],
        properties: {
          choices: { type: 'array', minItems: 3, items: { type: 'object', required: ['need', 'choice', 'reason'] } },
          packages: { type: 'array', minItems: 1, items: { type: 'object', required: ['ecosystem', 'name', 'version', 'license'] } },
          rationale: { type: 'string' },
        },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const stack = deriveStack(model);
    const rationale = await narrate(ctx, 'Explain the stack choices briefly.', stack.choices.map((c) => `${capitalize(c.need)}: ${c.choice} because ${lowerFirst(c.reason)}`), 100);
    ctx.progress(100, `${stack.choices.length} choices`);
    return { stack: { ...stack, rationale } };
  },
};

export const DataModelAgent: Agent = {
  name: 'DataModelAgent',
  description: 'Derives entities, typed fields and relations from the idea',
  outputSchema: {
    type: 'object',
    required: ['dataModel'],
    properties: {
      dataModel: {
        type: 'object',
        required: ['entities', 'relations', 'notes'],
        properties: {
          entities: { type: 'array', minItems: 1, items: { type: 'object', required: ['name', 'fields'], properties: { name: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$' }, fields: { type: 'array', minItems: 2, items: { type: 'object', required: ['name', 'type'] } } } } },
          relations: { type: 'array', items: { type: 'object', required: ['from', 'to', 'kind', 'field'] } },
          notes: { type: 'string' },
        },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const dm = deriveDataModel(model);
    const notes = await narrate(ctx, 'Describe the data model.', [...dm.entities.map((e) => `${e.name} has ${e.fields.map((f) => f.name).join(', ')}`), ...dm.relations.map((r) => `A ${spaced(r.from)} belongs to a ${spaced(r.to)}`)], 100);
    ctx.progress(100, `${dm.entities.length} entities`);
    return { dataModel: { ...dm, notes } };
  },
};

export const APIDesignAgent: Agent = {
  name: 'APIDesignAgent',
  description: 'Designs an OpenAPI 3.0.3 contract with CRUD paths for every entity of the data model',
  outputSchema: {
    type: 'object',
    required: ['openapi', 'apiNotes'],
    properties: {
      openapi: {
        type: 'object',
        required: ['openapi', 'info', 'paths', 'components'],
        properties: {
          openapi: { const: '3.0.3' },
          info: { type: 'object', required: ['title', 'version'] },
          paths: { type: 'object', minProperties: 2 },
          components: { type: 'object', required: ['schemas'], properties: { schemas: { type: 'object', minProperties: 2 } } },
        },
      },
      apiNotes: { type: 'string' },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const dm = dataModelOf(ctx.input, model);
    const openapi = deriveOpenApi(model, dm);
    await ctx.artifacts.put('openapi', JSON.stringify(openapi, null, 2), 'application/json');
    const apiNotes = await narrate(ctx, 'Summarise the API.', Object.keys(openapi.paths).map((p) => `${p} serves ${spaced(p.split('/').filter((x) => x && !x.startsWith('{')).pop() ?? '')}`), 80);
    ctx.progress(100, `${Object.keys(openapi.paths).length} paths`);
    return { openapi, apiNotes };
  },
};

export const ArchitectureWriterAgent: Agent = {
  name: 'ArchitectureWriterAgent',
  description: 'Names the components and writes the architecture document section by section (checkpointed)',
  outputSchema: {
    type: 'object',
    required: ['components', 'architectureDoc'],
    properties: {
      components: { type: 'array', minItems: 3, items: { type: 'object', required: ['name', 'responsibility', 'tech'], properties: { name: { type: 'string', minLength: 1 }, responsibility: { type: 'string', minLength: 1 }, tech: { type: 'string', minLength: 1 } } } },
      architectureDoc: { type: 'string', minLength: 100, pattern: '^# ' },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const stack = stackOf(ctx.input, model);
    const dm = dataModelOf(ctx.input, model);
    const components = deriveComponents(model, stack, dm);
    const sections = await writeSections(ctx, docPlans(ctx.input, model, stack, dm, components), 'an architecture document', 100);
    const architectureDoc = toMarkdown(`${model.title} architecture`, sections);
    await ctx.artifacts.put('architecture-doc', architectureDoc, 'text/markdown');
    return { components, architectureDoc };
  },
};

export const ARCHITECTURE_AGENTS: Agent[] = [StackRecommenderAgent, DataModelAgent, APIDesignAgent, ArchitectureWriterAgent];


export function openApiOf(input: AgentInput, model = ideaOf(input)): ReturnType<typeof deriveOpenApi> {
  const up = asRecord(lookup(input, 'openapi'));
  if (isRecord(up.paths) && Object.keys(up.paths).length && isRecord(asRecord(up.components).schemas)) return up as unknown as ReturnType<typeof deriveOpenApi>;
  return deriveOpenApi(model, dataModelOf(input, model));
}
