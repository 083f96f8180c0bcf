import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dossier } from './compile-dossier';

/** Needs the Debian fonts and poppler-utils that `npm run setup` installs (real files, real pdftotext). */
const dossier: Dossier = {
  format: 'ideamine.dossier/v1', runId: 'r1', title: 'Café buchungs-app 咖啡预订', version: '1.0.0', status: 'completed', completedAt: '2026-12-02T06:00:00.000Z',
  idea: { idea: 'Café buchungs-app für kleine Läden: 咖啡店预订系统 ☕🚀', targetUsers: [], constraints: [] }, completeness: 100, missing: [],
  phases: [{ phase: 'intake', score: 1, attempts: 1, evidencePackSha256: 'a'.repeat(64) }],
  categories: {
    product: [{ key: 'stories', title: 'User stories', phase: 'prd', content: Array.from({ length: 30 }, (_, i) => ({ id: `US-${i + 1}`, title: `预订座位 ${i + 1}`, asA: 'Gast', iWant: 'einen Tisch für Freitag zu buchen', soThat: 'ich sicher einen Platz habe' })) }],
    code: [{ key: 'architectureDoc', title: 'Architecture document', phase: 'architecture', content: '# Architektur\n\nDer Dienst läuft in **einem** Container.\n\n- Web\n- API' }],
    security: [], quality: [], deployment: [],
  },
  usage: { tokens: 1234, usd: 0.5, toolMinutes: 0, wallclockMs: 2000 },
  signature: { algorithm: 'sha256', value: 'b'.repeat(64) },
};

describe('dossier PDF', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ideamine-pdf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const text = (pdf: Buffer, name: string) => {
    const file = join(dir, name);
    writeFileSync(file, pdf);
    return { text: execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }), fonts: execFileSync('pdffonts', [file], { encoding: 'utf8' }), info: execFileSync('pdfinfo', [file], { encoding: 'utf8' }) };
  };

  it('embeds Unicode fonts: accents, CJK and symbols come back out as text; contents and outline present', async () => {
    const { renderDossierPdfWithStats } = await import('./render-pdf');
    const { pdf, pageCount } = await renderDossierPdfWithStats(dossier);
    const out = text(pdf, 'unicode.pdf');
    expect(out.text).toContain('Café buchungs-app 咖啡预订');
    expect(out.text).toContain('咖啡店预订系统');
    expect(out.text).toContain('einen Tisch für Freitag zu buchen');
    expect(out.text).toMatch(/Contents[\s\S]*Executive summary[\s\S]*User stories/);
    expect(out.fonts).toMatch(/DejaVuSans\b/);
    expect(out.fonts).toMatch(/DroidSansFallback/);
    expect(out.fonts).toMatch(/Symbola/);
    expect(out.fonts).not.toMatch(/Helvetica/);
    expect(Number(/Pages:\s+(\d+)/.exec(out.info)![1])).toBe(pageCount);
    expect(pdf.toString('latin1')).toMatch(/\/Outlines \d+ 0 R/);
  });

  it('still renders, in built-in fonts, when the font packages are missing', async () => {
    process.env.IM_DOSSIER_FONT_DIR = join(dir, 'no-fonts');
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      let render: typeof import('./render-pdf').renderDossierPdf | undefined;
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        render = require('./render-pdf').renderDossierPdf;
      });
      const out = text(await render!(dossier), 'fallback.pdf');
      expect(out.text).toContain('Café buchungs-app');
      expect(out.fonts).toMatch(/Helvetica/);
      expect(warn.mock.calls[0][0]).toMatch(/fonts-droid-fallback/);
    } finally {
      delete process.env.IM_DOSSIER_FONT_DIR;
      warn.mockRestore();
    }
  });
});
