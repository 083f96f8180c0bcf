import Ajv, { ValidateFunction, ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { AnyEnvelope, Envelope, envelopeOf } from './envelope';
import { EVENT_CATALOG, EventType } from './events/catalog';
import { COMMAND_CATALOG, CommandName } from './commands/catalog';

export const MAX_MESSAGE_BYTES = 64 * 1024;

export class InvalidMessageError extends Error {
  readonly code = 'IM_INVALID_MESSAGE';
  constructor(readonly reason: string) {
    super(reason);
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

const anyEnvelope = ajv.compile(AnyEnvelope);
const byType = new Map<string, ValidateFunction>();
for (const [type, def] of Object.entries(EVENT_CATALOG)) byType.set(`evt:${type}`, ajv.compile(envelopeOf(type, def.payload)));
for (const [name, def] of Object.entries(COMMAND_CATALOG)) byType.set(`cmd:${name}`, ajv.compile(envelopeOf(name, def.payload)));

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`)
    .join('; ');
}

/** Decodes and validates raw bytes as a message of the given family; throws InvalidMessageError naming why. */
export function decodeMessage(family: 'evt' | 'cmd', data: Uint8Array): Envelope {
  if (data.length > MAX_MESSAGE_BYTES) throw new InvalidMessageError(`message is ${data.length} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (err) {
    throw new InvalidMessageError(`not JSON: ${(err as Error).message}`);
  }
  return validateMessage(family, parsed);
}

export function validateMessage(family: 'evt' | 'cmd', parsed: unknown): Envelope {
  if (!anyEnvelope(parsed)) throw new InvalidMessageError(`bad envelope: ${describe(anyEnvelope.errors)}`);
  const env = parsed as Envelope;
  const validate = byType.get(`${family}:${env.type}`);
  if (!validate) throw new InvalidMessageError(`unknown ${family === 'evt' ? 'event type' : 'command'} "${env.type}"`);
  if (!validate(parsed)) throw new InvalidMessageError(`invalid ${env.type}: ${describe(validate.errors)}`);
  return env;
}

export function isEventType(type: string): type is EventType {
  return type in EVENT_CATALOG;
}
export function isCommandName(name: string): name is CommandName {
  return name in COMMAND_CATALOG;
}
