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

type Family = 'evt' | 'cmd';

/**
 * Validators are compiled on first use of each message type, not for the whole catalog at load: a
 * service compiles only what it receives, and starts faster. The fast validator stops at the first
 * error; only a message that fails is validated again with `allErrors` to say everything wrong.
 */
class Validators {
  private readonly fast = new Ajv({ allErrors: false, strict: false });
  private readonly verbose = new Ajv({ allErrors: true, strict: false });
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly verboseCache = new Map<string, ValidateFunction>();

  constructor() {
    addFormats(this.fast);
    addFormats(this.verbose);
  }

  get(family: Family, type: string, verbose = false): ValidateFunction | undefined {
    const cache = verbose ? this.verboseCache : this.cache;
    const key = `${family}:${type}`;
    let v = cache.get(key);
    if (v) return v;
    const def = family === 'evt' ? (EVENT_CATALOG as Record<string, { payload: object }>)[type] : (COMMAND_CATALOG as Record<string, { payload: object }>)[type];
    if (!def) return undefined;
    v = (verbose ? this.verbose : this.fast).compile(envelopeOf(type, def.payload as never));
    cache.set(key, v);
    return v;
  }

  envelope(verbose = false): ValidateFunction {
    return this.get('evt', '*envelope*', verbose) ?? this.compileEnvelope(verbose);
  }

  private compileEnvelope(verbose: boolean): ValidateFunction {
    const cache = verbose ? this.verboseCache : this.cache;
    const v = (verbose ? this.verbose : this.fast).compile(AnyEnvelope);
    cache.set('evt:*envelope*', v);
    return v;
  }
}

const validators = new Validators();

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`)
    .join('; ');
}

/** Decodes and validates raw bytes as a message of the given family; throws InvalidMessageError naming why. */
export function decodeMessage(family: Family, data: Uint8Array): Envelope {
  if (data.length > MAX_MESSAGE_BYTES) throw new InvalidMessageError(`message is ${data.length} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (err) {
    throw new InvalidMessageError(`not JSON: ${(err as Error).message}`);
  }
  return validateMessage(family, parsed);
}

export function validateMessage(family: Family, parsed: unknown): Envelope {
  if (!validators.envelope()(parsed)) {
    const v = validators.envelope(true);
    v(parsed);
    throw new InvalidMessageError(`bad envelope: ${describe(v.errors)}`);
  }
  const env = parsed as Envelope;
  const validate = validators.get(family, env.type);
  if (!validate) throw new InvalidMessageError(`unknown ${family === 'evt' ? 'event type' : 'command'} "${env.type}"`);
  if (!validate(parsed)) {
    const v = validators.get(family, env.type, true)!;
    v(parsed);
    throw new InvalidMessageError(`invalid ${env.type}: ${describe(v.errors)}`);
  }
  return env;
}

export function isEventType(type: string): type is EventType {
  return type in EVENT_CATALOG;
}

export function isCommandName(name: string): name is CommandName {
  return name in COMMAND_CATALOG;
}
