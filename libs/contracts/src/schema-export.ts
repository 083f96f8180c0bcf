import { envelopeOf, AnyEnvelope } from './envelope';
import { EVENT_CATALOG } from './events/catalog';
import { COMMAND_CATALOG } from './commands/catalog';
import { PhaseConfig } from './common';

/** The language-neutral JSON Schemas published in proto-events/schemas, keyed by relative file name. */
export function exportSchemas(): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  const base = 'https://ideamine.dev/proto-events/schemas';
  const clean = (s: unknown, id: string) => ({ $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(s)), $id: `${base}/${id}` });
  files['envelope.json'] = clean(AnyEnvelope, 'envelope.json');
  files['phase-config.json'] = clean(PhaseConfig, 'phase-config.json');
  for (const [type, def] of Object.entries(EVENT_CATALOG)) {
    files[`events/${type}.v1.json`] = clean(envelopeOf(type, def.payload), `events/${type}.v1.json`);
  }
  for (const [name, def] of Object.entries(COMMAND_CATALOG)) {
    files[`commands/${name}.v1.json`] = clean(envelopeOf(name, def.payload), `commands/${name}.v1.json`);
  }
  return files;
}
