import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** fontkit (pdfkit's own font engine) ships no type declarations; we use one function of it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fontkit: { openSync(path: string): { hasGlyphForCodePoint(cp: number): boolean } } = require('fontkit');

/**
 * Fonts the PDF embeds, from Debian packages that `npm run setup` (and .ci/run) install when
 * missing: fonts-dejavu-core (Latin with accents, Greek, Cyrillic, many symbols),
 * fonts-droid-fallback (CJK) and fonts-symbola (emoji and other symbols, monochrome).
 * IM_DOSSIER_FONT_DIR points at a folder holding the same file names instead.
 */
export const FONT_FILES = {
  regular: { files: ['dejavu/DejaVuSans.ttf', 'DejaVuSans.ttf'], pkg: 'fonts-dejavu-core' },
  bold: { files: ['dejavu/DejaVuSans-Bold.ttf', 'DejaVuSans-Bold.ttf'], pkg: 'fonts-dejavu-core' },
  mono: { files: ['dejavu/DejaVuSansMono.ttf', 'DejaVuSansMono.ttf'], pkg: 'fonts-dejavu-core' },
  cjk: { files: ['droid/DroidSansFallbackFull.ttf', 'DroidSansFallbackFull.ttf', 'droid/DroidSansFallback.ttf'], pkg: 'fonts-droid-fallback' },
  symbols: { files: ['ancient-scripts/Symbola_hint.ttf', 'ancient-scripts/Symbola.ttf', 'Symbola_hint.ttf', 'Symbola.ttf'], pkg: 'fonts-symbola' },
} as const;
export type FontRole = keyof typeof FONT_FILES;

export class DossierFontsMissingError extends Error {
  readonly code = 'IM_DOSSIER_FONTS_MISSING';
  constructor(readonly missing: { role: string; pkg: string }[]) {
    super(`dossier PDF fonts missing: ${missing.map((m) => `${m.role} (Debian package ${m.pkg})`).join(', ')}; run npm run setup or apt-get install ${[...new Set(missing.map((m) => m.pkg))].join(' ')}, or set IM_DOSSIER_FONT_DIR`);
    this.name = 'DossierFontsMissingError';
  }
}

export interface LoadedFont {
  role: FontRole;
  path: string;
  has(codePoint: number): boolean;
}

/** IM_DOSSIER_FONT_DIR, when set, is the only place looked in (an explicit choice is not second-guessed). */
const ROOTS = () => (process.env.IM_DOSSIER_FONT_DIR ? [process.env.IM_DOSSIER_FONT_DIR] : ['/usr/share/fonts/truetype', '/usr/share/fonts/TTF', '/usr/local/share/fonts']);

let cache: Map<FontRole, LoadedFont> | undefined;

/** Finds every font file once per process; throws naming the packages to install when one is missing. */
export function loadFonts(): Map<FontRole, LoadedFont> {
  if (cache) return cache;
  const found = new Map<FontRole, LoadedFont>();
  const missing: { role: string; pkg: string }[] = [];
  for (const [role, spec] of Object.entries(FONT_FILES) as [FontRole, (typeof FONT_FILES)[FontRole]][]) {
    const path = ROOTS().flatMap((r) => spec.files.map((f) => join(r, f))).find((p) => existsSync(p));
    if (!path) {
      missing.push({ role, pkg: spec.pkg });
      continue;
    }
    const font = fontkit.openSync(path);
    const seen = new Map<number, boolean>();
    found.set(role, {
      role, path,
      has: (cp) => {
        let v = seen.get(cp);
        if (v === undefined) seen.set(cp, (v = font.hasGlyphForCodePoint(cp)));
        return v;
      },
    });
  }
  if (missing.length) throw new DossierFontsMissingError(missing);
  cache = found;
  return found;
}
