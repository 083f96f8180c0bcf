import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_CATALOG } from '@ideamine/contracts';
import { DECIDERS, flowsMarkdown } from './flows';

describe('proto-events/FLOWS.md', () => {
  it('is what the catalogs and the deciders say (run npm run proto:gen when this fails)', () => {
    expect(readFileSync(join(__dirname, '..', '..', '..', 'proto-events', 'FLOWS.md'), 'utf8')).toBe(flowsMarkdown());
  });

  it('every type a decider observes exists in the catalog, and each decider observes its own events', () => {
    for (const d of DECIDERS) {
      for (const t of d.observes) expect({ decider: d.service, type: t, known: t in EVENT_CATALOG }).toEqual({ decider: d.service, type: t, known: true });
      const own = Object.entries(EVENT_CATALOG).filter(([, def]) => (d.owns as readonly string[]).includes(def.aggregate)).map(([t]) => t);
      expect(own.length).toBeGreaterThan(0);
    }
  });
});
