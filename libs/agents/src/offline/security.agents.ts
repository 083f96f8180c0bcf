import type { Agent, AgentInput } from '../sdk';
import { capitalize } from './analysis';
import { collectionPath, Component, componentsOf, Pkg, Stack, stackOf } from './architecture.agents';
import { repositoryOf, requiredSecrets } from './build.agents';
import { DataModel, dataModelOf } from './data-model';
import { featuresOf } from './ideation.agents';
import { IdeaModel, ideaOf, isSensitiveEntity } from './idea-model';
import { storiesOf } from './prd.agents';
import { kebab, lookup, narrate, plural, recordsWith, spaced, stableUuid, uniq, byText } from './util';

export type Stride = 'Spoofing' | 'Tampering' | 'Repudiation' | 'Information disclosure' | 'Denial of service' | 'Elevation of privilege';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface Threat {
  id: string;
  category: Stride;
  component: string;
  asset: string;
  description: string;
  severity: Severity;
  mitigation: string;
  /** The component or stack choice that carries the mitigation; absent when nothing in the design does. */
  control?: string;
}

export interface Finding {
  id: string;
  severity: Severity;
  title: string;
  status: 'open' | 'mitigated';
  source: string;
  mitigation: string;
}

interface ThreatContext {
  model: IdeaModel;
  stack: Stack;
  components: Component[];
  asset: string;
}

type Template = { category: Stride; text: (c: Component, t: ThreatContext) => string; mitigation: (c: Component, t: ThreatContext) => string; control: (t: ThreatContext) => string | undefined };

const thing = (asset: string) => (asset === 'User' ? 'account' : spaced(asset));
const has = (t: ThreatContext, name: string) => (t.components.some((c) => c.name === name) ? name : undefined);
const authChoice = (t: ThreatContext) => t.stack.choices.find((c) => c.need === 'authentication')?.choice;

/** STRIDE threats that apply to each kind of component, with the design control that answers each. */
const TEMPLATES: Record<Component['kind'], Template[]> = {
  client: [
    { category: 'Spoofing', text: (c, t) => `A stolen session lets someone act as a ${t.model.personas[0]} in the ${c.name}`, mitigation: () => 'Short-lived tokens in secure, HTTP-only cookies; re-authentication for sensitive actions', control: authChoice },
    { category: 'Tampering', text: (c, t) => `Requests edited outside the ${c.name} skip its ${thing(t.asset)} validation`, mitigation: (_c, t) => `Validate every ${thing(t.asset)} on the server against the OpenAPI schema`, control: (t) => has(t, 'API service') },
  ],
  service: [
    { category: 'Elevation of privilege', text: (_c, t) => `Changing the id in ${collectionPath(t.asset)}/{id} returns another user's ${thing(t.asset)}`, mitigation: (_c, t) => `Check ownership of the ${thing(t.asset)} on every request (row-level policy)`, control: (t) => has(t, 'API service') },
    { category: 'Repudiation', text: (_c, t) => `Nobody can tell who changed or viewed a ${thing(t.asset)}`, mitigation: (_c, t) => `Write an audit entry for every read and change of a ${thing(t.asset)}`, control: (t) => has(t, 'Audit log') },
    { category: 'Denial of service', text: (_c, t) => `Unbounded requests to ${collectionPath(t.asset)} exhaust the database`, mitigation: () => 'Page size capped at 100 (in the OpenAPI contract) and per-client rate limits at the edge', control: (t) => has(t, 'API service') },
  ],
  datastore: [
    { category: 'Information disclosure', text: (c, t) => `A leaked ${c.name} backup exposes ${plural(thing(t.asset))}`, mitigation: (_c, t) => `Encrypt ${plural(thing(t.asset))} at rest with keys held outside the ${'database'}`, control: (t) => has(t, 'Key management') ?? (t.model.dataSensitivity === 'high' ? undefined : 'Managed storage encryption') },
    { category: 'Tampering', text: (_c, t) => `Injected queries alter ${plural(thing(t.asset))}`, mitigation: () => 'Parameterised queries through the ORM only', control: (t) => t.stack.backend },
  ],
  worker: [
    { category: 'Denial of service', text: (c, t) => `A flood of ${thing(t.asset)} jobs delays the ${c.name}`, mitigation: () => 'Per-user job limits and a dead-letter queue', control: (t) => t.stack.choices.find((c) => c.need === 'scheduled notifications')?.choice },
    { category: 'Spoofing', text: (_c, t) => `Phishing messages imitate ${thing(t.asset)} notifications`, mitigation: () => 'Sender authentication (SPF, DKIM) and no links carrying credentials', control: () => undefined },
  ],
  integration: [
    { category: 'Spoofing', text: (c) => `Forged callbacks claim to come from ${c.tech}`, mitigation: () => 'Verify the signature of every callback and webhook', control: (t) => has(t, 'API service') },
    { category: 'Information disclosure', text: (c, t) => `A guessable link lets an uninvited person into ${thing(t.asset)} data held by ${c.name}`, mitigation: () => 'Short-lived, per-user access tokens', control: authChoice },
  ],
};

const LIKELIHOOD: Record<Component['kind'], number> = { client: 2, service: 2, integration: 2, datastore: 1, worker: 1 };

/** Impact follows the data (sensitive assets weigh most; disclosure and privilege threats weigh more), likelihood the exposure. */
function severityOf(model: IdeaModel, kind: Component['kind'], category: Stride, asset: string): Severity {
  const impact = (isSensitiveEntity(model, asset) ? 3 : model.dataSensitivity === 'medium' ? 2 : 1) + (category === 'Information disclosure' || category === 'Elevation of privilege' ? 1 : 0);
  const score = impact * LIKELIHOOD[kind];
  return score >= 7 ? 'critical' : score >= 4 ? 'high' : score >= 2 ? 'medium' : 'low';
}

/** The asset a component's threats are about: its most sensitive entity, else its first. */
function assetOf(model: IdeaModel, c: Component, dm: DataModel): string {
  const names = c.entities.length ? c.entities : dm.entities.map((e) => e.name);
  return names.find((e) => isSensitiveEntity(model, e)) ?? names.find((e) => e !== 'User') ?? names[0] ?? 'User';
}

export function deriveThreats(model: IdeaModel, stack: Stack, components: Component[], dm: DataModel): Threat[] {
  const threats: Omit<Threat, 'id'>[] = [];
  for (const c of components) {
    const asset = assetOf(model, c, dm);
    const t: ThreatContext = { model, stack, components, asset };
    for (const tpl of TEMPLATES[c.kind] ?? []) {
      const control = tpl.control(t);
      threats.push({ category: tpl.category, component: c.name, asset, description: tpl.text(c, t), severity: severityOf(model, c.kind, tpl.category, asset), mitigation: tpl.mitigation(c, t), ...(control ? { control } : {}) });
    }
  }
  return threats.map((t, i) => ({ id: `T-${i + 1}`, ...t }));
}

/** Threats rated medium or worse become findings; those with a control in the design are mitigated. */
export function findingsFromThreats(threats: Threat[]): Finding[] {
  return threats
    .filter((t) => t.severity !== 'low')
    .map((t, i) => ({ id: `F-TM-${i + 1}`, severity: t.severity, title: t.description, status: t.control ? 'mitigated' : 'open', source: t.id, mitigation: t.control ? `${t.mitigation} (${t.control})` : `Planned: ${t.mitigation}` }));
}

/**
 * The rerun-security auto-fix: when the gate sent the phase back, the planned controls become design
 * requirements of this release (and say so), so the rerun closes what a control can close. Findings
 * without a planned control (leaked secrets, licences) stay open for a person.
 */
export function adoptPlannedControls(findings: Finding[], gateAttempt: number): Finding[] {
  if (gateAttempt < 2) return findings;
  return findings.map((f) =>
    f.status === 'open' && f.mitigation.startsWith('Planned: ')
      ? { ...f, status: 'mitigated' as const, mitigation: `${f.mitigation.slice('Planned: '.length)} (required for this release by the security gate, attempt ${gateAttempt})` }
      : f,
  );
}

/** The story that carries a compliance feature, named as the control for its finding. */
function complianceStory(input: AgentInput, model: IdeaModel, regime: string): string | undefined {
  const feature = featuresOf(input, model).find((f) => f.source === `compliance:${regime}`);
  const story = feature && storiesOf(input, model).find((s) => s.featureId === feature.id);
  return story && `${story.id} ${story.title}`;
}

/** Compliance obligations that are findings until the design (a component or a story) carries them. */
function complianceFindings(input: AgentInput, model: IdeaModel, components: Component[]): Finding[] {
  const component = (name: string) => components.find((c) => c.name === name)?.name;
  const rows: [string, Severity, string, string | undefined][] = model.regulated.flatMap((c): [string, Severity, string, string | undefined][] => {
    if (c === 'HIPAA') return [['HIPAA: access to protected health information must be audited', 'high', 'Audit entries for every PHI read and change', component('Audit log')], ['HIPAA: PHI must be encrypted at rest', 'high', 'Field-level envelope encryption', component('Key management')]];
    if (c === 'GDPR') return [['GDPR: personal data must be exportable and erasable', 'medium', 'Export and erasure with a 30-day SLA', complianceStory(input, model, c)]];
    if (c === 'PCI-DSS') return [['PCI-DSS: card data must not touch our servers', 'high', 'Hosted checkout; only tokens are stored', component('Payment provider')]];
    if (c === 'COPPA') return [["COPPA: children's data needs verified parental consent", 'high', 'Consent gate before any data collection', complianceStory(input, model, c)]];
    return [];
  });
  return rows.map(([title, severity, mitigation, control], i) => ({ id: `F-CMP-${i + 1}`, severity, title, status: control ? 'mitigated' : 'open', source: 'compliance', mitigation: control ? `${mitigation} (${control})` : `Planned: ${mitigation}` }));
}

// ---------------------------------------------------------------- SBOM

export function purlOf(p: Pkg): string {
  const name = p.name.startsWith('@') ? `%40${p.name.slice(1)}` : p.name;
  return `pkg:${p.ecosystem}/${name}@${p.version}`;
}

const COPYLEFT = /^(GPL|LGPL|AGPL|MPL|EPL|CDDL)/;

export function deriveSbom(appName: string, packages: Pkg[]) {
  const components = [...packages]
    .sort((a, b) => byText(purlOf(a), purlOf(b)))
    .map((p) => ({ type: 'library', 'bom-ref': purlOf(p), name: p.name, version: p.version, purl: purlOf(p), licenses: [{ license: { id: p.license } }] }));
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${stableUuid(`${appName}|${components.map((c) => c.purl).join(',')}`)}`,
    version: 1,
    metadata: { component: { type: 'application', name: appName, version: '1.0.0' }, tools: [{ vendor: 'IdeaMine', name: 'SBOMAgent' }] },
    components,
  };
}

function licenseFindings(packages: Pkg[]): Finding[] {
  return packages
    .filter((p) => COPYLEFT.test(p.license))
    .map((p, i) => ({ id: `F-LIC-${i + 1}`, severity: 'low' as Severity, title: `${p.name} ${p.version} is ${p.license} (copyleft)`, status: 'open' as const, source: purlOf(p), mitigation: 'Use unmodified and dynamically linked; review with legal before distribution' }));
}

// ---------------------------------------------------------------- secrets

const SECRET_RULES: { id: string; pattern: RegExp }[] = [
  { id: 'aws-access-key', pattern: /AKIA[0-9A-Z]{16}/g },
  { id: 'stripe-live-key', pattern: /\b[sr]k_live_[0-9a-zA-Z]{10,}/g },
  { id: 'private-key', pattern: /-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----/g },
  { id: 'github-token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36}\b/g },
  { id: 'slack-token', pattern: /\bxox[baprs]-[A-Za-z0-9-]{10,}/g },
  { id: 'generic-assignment', pattern: /\b(?:password|passwd|secret|api[_-]?key|token)\s*[:=]\s*['"]?[^\s'",;]{8,}/gi },
];

const mask = (s: string) => `${s.slice(0, 4)}${'*'.repeat(Math.max(4, s.length - 4))}`;

/** Every text the run holds: the idea, its constraints and each upstream evidence pack. */
function scannedSources(input: AgentInput): { source: string; text: string }[] {
  return [
    { source: 'idea', text: input.idea.idea },
    ...input.idea.constraints.map((text, i) => ({ source: `constraint ${i + 1}`, text })),
    ...input.idea.targetUsers.map((text, i) => ({ source: `target user ${i + 1}`, text })),
    ...Object.keys(input.upstream)
      .sort()
      .map((phase) => ({ source: `upstream:${phase}`, text: JSON.stringify(input.upstream[phase]) })),
  ];
}

export function scanForSecrets(input: AgentInput, layout: string[]) {
  const sources = scannedSources(input);
  const leaks = sources.flatMap(({ source, text }) => SECRET_RULES.flatMap((r) => uniq(text.match(r.pattern) ?? []).map((m) => ({ rule: r.id, source, excerpt: mask(m) }))));
  const committedEnv = layout.filter((p) => /(^|\/)\.env$|\.pem$|id_rsa$/.test(p)).map((p) => ({ rule: 'committed-secret-file', source: 'repository layout', excerpt: p }));
  return { sources: sources.map((s) => s.source), leaks: [...leaks, ...committedEnv] };
}

// ---------------------------------------------------------------- agents

const findingSchema = {
  type: 'object',
  required: ['id', 'severity', 'title', 'status', 'mitigation'],
  properties: { severity: { enum: ['low', 'medium', 'high', 'critical'] }, status: { enum: ['open', 'mitigated'] }, mitigation: { type: 'string', minLength: 1 } },
};

export const ThreatModelAgent: Agent = {
  name: 'ThreatModelAgent',
  description: 'STRIDE threat model per component and asset; threats become findings, mitigated where the design has a control',
  outputSchema: {
    type: 'object',
    required: ['threatModel', 'findings'],
    properties: {
      threatModel: {
        type: 'object',
        required: ['method', 'assets', 'threats', 'summary'],
        properties: { method: { const: 'STRIDE' }, threats: { type: 'array', minItems: 3, items: { type: 'object', required: ['id', 'category', 'component', 'description', 'severity', 'mitigation'] } }, summary: { type: 'string' } },
      },
      findings: { type: 'array', items: findingSchema },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const stack = stackOf(ctx.input, model);
    const components = componentsOf(ctx.input, model);
    const dm = dataModelOf(ctx.input, model);
    const threats = deriveThreats(model, stack, components, dm);
    ctx.heartbeat();
    const findings = adoptPlannedControls([...findingsFromThreats(threats), ...complianceFindings(ctx.input, model, components)], ctx.input.gateAttempt);
    const assets = dm.entities.map((e) => ({ name: e.name, sensitive: e.sensitive, fields: e.fields.filter((f) => f.sensitive).map((f) => f.name) }));
    const worst = threats.filter((t) => t.severity === 'critical' || t.severity === 'high');
    const summary = await narrate(ctx, 'Summarise the threat model.', [`Sensitive assets: ${assets.filter((a) => a.sensitive).map((a) => a.name).join(', ') || 'none'}`, ...(worst.length ? worst : threats).map((t) => `${t.category} on ${t.component}: ${t.description}. ${t.mitigation}`)], 120);
    ctx.progress(100, `${threats.length} threats, ${findings.filter((f) => f.status === 'open').length} open findings`);
    return { threatModel: { method: 'STRIDE', assets, threats, summary }, findings };
  },
};

export const SBOMAgent: Agent = {
  name: 'SBOMAgent',
  description: 'CycloneDX 1.5 SBOM of the chosen stack, with a copyleft licence review',
  outputSchema: {
    type: 'object',
    required: ['sbom', 'findings'],
    properties: {
      sbom: {
        type: 'object',
        required: ['bomFormat', 'specVersion', 'components'],
        properties: { bomFormat: { const: 'CycloneDX' }, specVersion: { const: '1.5' }, components: { type: 'array', minItems: 1, items: { type: 'object', required: ['type', 'name', 'version', 'purl'], properties: { type: { const: 'library' }, purl: { type: 'string', pattern: '^pkg:(npm|pypi)/' } } } } },
      },
      findings: { type: 'array', items: findingSchema },
      sbomSummary: { type: 'string' },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const stack = stackOf(ctx.input, model);
    const sbom = deriveSbom(kebab(model.title), stack.packages);
    await ctx.artifacts.put('sbom', JSON.stringify(sbom, null, 2), 'application/vnd.cyclonedx+json');
    const findings = licenseFindings(stack.packages);
    const sbomSummary = await narrate(ctx, 'Summarise the bill of materials.', [`${sbom.components.length} libraries for ${stack.backend} on ${stack.database}`, ...stack.choices.filter((c) => c.packages.length).map((c) => `${capitalize(c.need)}: ${c.packages.map((p) => `${p.name} ${p.version}`).join(', ')}`)], 80);
    ctx.progress(100, `${sbom.components.length} components`);
    return { sbom, findings, sbomSummary };
  },
};

export const SecretsScanAgent: Agent = {
  name: 'SecretsScanAgent',
  description: 'Scans the idea, constraints and upstream artifacts for secrets and lists the secrets the stack needs',
  outputSchema: {
    type: 'object',
    required: ['secretsScan', 'findings'],
    properties: {
      secretsScan: {
        type: 'object',
        required: ['status', 'rules', 'scanned', 'leaks', 'requiredSecrets', 'summary'],
        properties: { status: { enum: ['clean', 'leaks-found'] }, leaks: { type: 'array' }, requiredSecrets: { type: 'array', minItems: 1 }, summary: { type: 'string' } },
      },
      findings: { type: 'array', items: findingSchema },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const stack = stackOf(ctx.input, model);
    const { sources, leaks } = scanForSecrets(ctx.input, repositoryOf(ctx.input, model).layout);
    const required = requiredSecrets(stack).map((s) => ({ ...s, storage: 'secret manager, injected at deploy time' }));
    // A leaked secret cannot be mitigated by design: it must be rotated, so it stays open.
    const findings: Finding[] = leaks.map((l, i) => ({ id: `F-SEC-${i + 1}`, severity: 'critical', title: `Secret (${l.rule}) found in ${l.source}: ${l.excerpt}`, status: 'open', source: l.source, mitigation: 'Rotate the secret, remove it from the source and store it in the secret manager' }));
    const summary = await narrate(ctx, 'Summarise the secrets scan.', [`Scanned ${sources.join(', ')}`, leaks.length ? `${leaks.length} leak(s): ${leaks.map((l) => `${l.rule} in ${l.source}`).join('; ')}` : 'No secrets found in the scanned sources', `Runtime secrets: ${required.map((r) => `${r.name} for ${r.usedBy}`).join(', ')}`], 80);
    ctx.progress(100, `${leaks.length} leaks`);
    return { secretsScan: { status: leaks.length ? 'leaks-found' : 'clean', rules: SECRET_RULES.map((r) => r.id), scanned: sources, leaks, requiredSecrets: required, summary }, findings };
  },
};

export function findingsOf(input: AgentInput): Finding[] {
  return recordsWith(lookup(input, 'findings'), ['id', 'severity', 'status', 'title']) as unknown as Finding[];
}

export const SECURITY_AGENTS: Agent[] = [ThreatModelAgent, SBOMAgent, SecretsScanAgent];
