import { Type, Static } from '@sinclair/typebox';

export const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,128}$', description: 'subject-safe identifier' });
export const Uuid = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });
export const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
export const IsoTime = Type.String({ format: 'date-time' });
export const PhaseName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' });
export const AgentName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9]{0,79}$' });

export const Budget = Type.Object(
  {
    tokens: Type.Number({ minimum: 0 }),
    usd: Type.Number({ minimum: 0 }),
    toolMinutes: Type.Number({ minimum: 0 }),
    wallclockMinutes: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type Budget = Static<typeof Budget>;

export const Usage = Type.Object(
  {
    tokens: Type.Integer({ minimum: 0 }),
    usd: Type.Number({ minimum: 0 }),
    toolMinutes: Type.Number({ minimum: 0 }),
    wallclockMs: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type Usage = Static<typeof Usage>;

/** A content-addressed object in the artifacts Object Store: events carry this, never the body. */
export const ArtifactRef = Type.Object(
  {
    bucket: Type.String(),
    name: Type.String({ description: 'object name = sha256 of the content' }),
    sha256: Sha256,
    size: Type.Integer({ minimum: 0 }),
    contentType: Type.String(),
    kind: Type.String({ description: 'artifact kind, e.g. prd, openapi, evidence-pack' }),
  },
  { additionalProperties: false },
);
export type ArtifactRef = Static<typeof ArtifactRef>;

export const Parallelism = Type.Union([
  Type.Literal('sequential'),
  Type.Literal('parallel'),
  Type.Literal('iterative'),
  Type.Integer({ minimum: 1 }),
]);
export type Parallelism = Static<typeof Parallelism>;

export const Aggregation = Type.Union([
  Type.Literal('merge'),
  Type.Literal('concat'),
  Type.Literal('vote'),
  Type.Literal('custom'),
]);
export type Aggregation = Static<typeof Aggregation>;

export const GuardType = Type.Union([
  Type.Literal('coverage'),
  Type.Literal('grounding'),
  Type.Literal('contradictions'),
  Type.Literal('schema'),
  Type.Literal('security'),
  Type.Literal('threshold'),
]);

export const Guard = Type.Object(
  {
    type: GuardType,
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    threshold: Type.Optional(Type.Number()),
    field: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type Guard = Static<typeof Guard>;

export const GateConfig = Type.Object(
  {
    passThreshold: Type.Number({ minimum: 0, maximum: 1 }),
    autoFix: Type.Boolean(),
    maxAttempts: Type.Integer({ minimum: 1, maximum: 20 }),
  },
  { additionalProperties: false },
);
export type GateConfig = Static<typeof GateConfig>;

/** A validated phase definition as carried in phase.started (so consumers never read config files). */
export const PhaseConfig = Type.Object(
  {
    phase: PhaseName,
    dependsOn: Type.Array(PhaseName),
    parallelism: Parallelism,
    iterations: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    /** Each agent's work split into this many shards, each a task of its own (large batches). */
    shards: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
    aggregation: Aggregation,
    agents: Type.Array(AgentName, { minItems: 1 }),
    budgets: Budget,
    guards: Type.Array(Guard),
    gate: GateConfig,
    estimatedMinutes: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type PhaseConfig = Static<typeof PhaseConfig>;

/** Any JSON value, recursively: agent outputs are JSON of the agent's own schema (checked by the worker). */
export const JsonValue = Type.Recursive((This) =>
  Type.Union([Type.Null(), Type.Boolean(), Type.Number(), Type.String(), Type.Array(This), Type.Record(Type.String(), This)]),
  { $id: 'JsonValue' },
);
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export const JsonObject = Type.Record(Type.String(), JsonValue);
export type JsonObject = { [key: string]: JsonValue };

export const IdeaInput = Type.Object(
  {
    idea: Type.String({ minLength: 1, maxLength: 20000 }),
    targetUsers: Type.Array(Type.String({ maxLength: 500 }), { maxItems: 50 }),
    constraints: Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type IdeaInput = Static<typeof IdeaInput>;

/**
 * What a worker is asked to run: the idea, references to the evidence of upstream phases and to the
 * results of earlier tasks of this phase (the stream sequence of their task.succeeded, so the worker
 * reads exactly the committed result). Its canonical hash is the task's idempotence key.
 */
export const TaskInput = Type.Object(
  {
    runId: Type.String(),
    phase: PhaseName,
    agent: AgentName,
    gateAttempt: Type.Integer({ minimum: 1 }),
    iteration: Type.Integer({ minimum: 0 }),
    shard: Type.Integer({ minimum: 0 }),
    shards: Type.Integer({ minimum: 1 }),
    idea: IdeaInput,
    upstream: Type.Array(Type.Object({ phase: PhaseName, evidencePack: ArtifactRef }, { additionalProperties: false })),
    previous: Type.Array(
      Type.Object(
        { agent: AgentName, iteration: Type.Integer({ minimum: 0 }), shard: Type.Integer({ minimum: 0 }), succeededSeq: Type.Integer({ minimum: 1 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type TaskInput = Static<typeof TaskInput>;
