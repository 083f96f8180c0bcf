import type { AgentInput } from '../sdk';
import { IdeaModel, ideaOf, isSensitiveEntity } from './idea-model';
import { asArray, asRecord, asString, camel, lookup, recordsWith } from './util';

/** The data model rules shared by DataModelAgent, APIDesignAgent and the later phases. */
export interface Field {
  name: string;
  type: 'uuid' | 'string' | 'text' | 'integer' | 'number' | 'boolean' | 'date' | 'date-time';
  required: boolean;
  sensitive?: boolean;
  references?: string;
}

export interface Entity {
  name: string;
  sensitive: boolean;
  fields: Field[];
}

export interface Relation {
  from: string;
  to: string;
  kind: 'many-to-one';
  field: string;
}

export interface DataModel {
  entities: Entity[];
  relations: Relation[];
}

type FieldSpec = [string, Field['type'], boolean?];

/** Attribute sets by what an entity's name says it is; an entity can match several. */
const FIELD_RULES: [RegExp, FieldSpec[]][] = [
  [/(patient|client|customer|student|member|driver|doctor|tenant|employee|person|contact|guest|parent|child|owner)/i, [['fullName', 'string', true], ['email', 'string', true], ['phone', 'string']]],
  [/(visit|appointment|booking|session|meeting|event|class|lesson|shift|reservation|schedule)/i, [['scheduledAt', 'date-time', true], ['durationMinutes', 'integer', true], ['status', 'string', true]]],
  [/(remind|alert|notification)/i, [['remindAt', 'date-time', true], ['channel', 'string', true], ['sent', 'boolean']]],
  [/(todo|task|chore|goal|habit|item|ticket)/i, [['title', 'string', true], ['done', 'boolean', true], ['dueAt', 'date-time']]],
  [/(payment|invoice|order|expense|transaction|subscription|budget|price|bill)/i, [['amount', 'number', true], ['currency', 'string', true], ['status', 'string', true]]],
  [/(message|chat|comment|note|post|review|feedback)/i, [['body', 'text', true]]],
  [/(prescription|medication|medicine|dosage|drug)/i, [['medication', 'string', true], ['dosage', 'string', true], ['instructions', 'text'], ['issuedAt', 'date-time', true]]],
  [/(video|call|stream)/i, [['roomId', 'string', true], ['recordingAllowed', 'boolean']]],
  [/(clinic|store|shop|warehouse|location|venue|office|school|restaurant|company|team|organi[sz]ation|practice|hospital)/i, [['name', 'string', true], ['address', 'string'], ['timezone', 'string']]],
  [/(document|file|photo|image|attachment|receipt|report)/i, [['fileName', 'string', true], ['contentType', 'string', true], ['storageKey', 'string', true]]],
];

const PERSONAL = /^(fullName|email|phone|address|dateOfBirth|medication|dosage|instructions)$/;

function attributeFields(model: IdeaModel, entity: string): Field[] {
  const sensitive = isSensitiveEntity(model, entity);
  const specs = FIELD_RULES.filter(([re]) => re.test(entity)).flatMap(([, f]) => f);
  const chosen: FieldSpec[] = specs.length ? specs : [['title', 'string', true], ['description', 'text']];
  if (sensitive && chosen.some(([n]) => n === 'fullName')) chosen.push(['dateOfBirth', 'date', true]);
  const seen = new Set<string>();
  return chosen
    .filter(([n]) => (seen.has(n) ? false : (seen.add(n), true)))
    .map(([name, type, required]) => ({ name, type, required: !!required, ...(sensitive && PERSONAL.test(name) ? { sensitive: true } : {}) }));
}

/** Accounts: sensitive ideas sign in through an identity provider (a subject id), others keep a password hash. */
function userEntity(model: IdeaModel): Entity {
  const sensitive = model.dataSensitivity === 'high';
  const credential: Field = sensitive ? { name: 'identitySubject', type: 'string', required: true } : { name: 'passwordHash', type: 'string', required: true, sensitive: true };
  return {
    name: 'User',
    sensitive,
    fields: [
      { name: 'id', type: 'uuid', required: true },
      { name: 'email', type: 'string', required: true, ...(sensitive ? { sensitive: true } : {}) },
      { name: 'displayName', type: 'string', required: true },
      { name: 'role', type: 'string', required: true },
      credential,
      { name: 'createdAt', type: 'date-time', required: true },
      { name: 'updatedAt', type: 'date-time', required: true },
    ],
  };
}

/**
 * Entities in order of mention; each one after the first belongs to the one mentioned before it
 * ("clinics ... patient ... video visits": a patient belongs to a clinic, a visit to a patient),
 * and the first belongs to the user who owns it.
 */
export function deriveDataModel(model: IdeaModel): DataModel {
  const relations: Relation[] = [];
  const entities: Entity[] = model.entities.map((name, i) => {
    const parent = i === 0 ? (model.signals.accounts ? 'User' : undefined) : model.entities[i - 1];
    const fk: Field[] = parent ? [{ name: `${camel(parent)}Id`, type: 'uuid', required: true, references: parent }] : [];
    if (parent) relations.push({ from: name, to: parent, kind: 'many-to-one', field: `${camel(parent)}Id` });
    return { name, sensitive: isSensitiveEntity(model, name), fields: [{ name: 'id', type: 'uuid', required: true }, ...fk, ...attributeFields(model, name), { name: 'createdAt', type: 'date-time', required: true }, { name: 'updatedAt', type: 'date-time', required: true }] };
  });
  const users = model.signals.accounts ? [userEntity(model)] : [];
  return { entities: [...users, ...entities], relations };
}

/** The architecture's data model when present and well-formed, else derived from the idea. */
export function dataModelOf(input: AgentInput, model = ideaOf(input)): DataModel {
  const up = asRecord(lookup(input, 'dataModel'));
  const entities = recordsWith(up.entities, ['name'])
    .map((e) => ({ name: asString(e.name), sensitive: e.sensitive === true, fields: recordsWith(e.fields, ['name', 'type']) as unknown as Field[] }))
    .filter((e) => e.fields.length > 0);
  if (!entities.length) return deriveDataModel(model);
  return { entities, relations: recordsWith(up.relations, ['from', 'to']) as unknown as Relation[] };
}

/** The first attribute a user fills in (not an id or timestamp): what validation criteria talk about. */
export function firstInputField(model: IdeaModel, entity: string): string {
  return attributeFields(model, entity).find((f) => f.required)?.name ?? 'title';
}

export const domainEntities = (dm: DataModel) => dm.entities.filter((e) => e.name !== 'User');
export const entityNames = (dm: DataModel) => asArray(dm.entities).map((e) => (e as Entity).name);
