import PDFDocument from 'pdfkit';
import type { Dossier } from './compile-dossier';

const MAX_LINES_PER_ARTIFACT = 120;

function linesOf(v: unknown, indent = ''): string[] {
  if (v === null || v === undefined) return [`${indent}-`];
  if (typeof v !== 'object') return String(v).split('\n').map((l) => `${indent}${l}`);
  if (Array.isArray(v)) return v.flatMap((x, i) => (typeof x === 'object' && x ? [`${indent}${i + 1}.`, ...linesOf(x, `${indent}   `)] : [`${indent}${i + 1}. ${String(x)}`]));
  return Object.entries(v).flatMap(([k, x]) => (typeof x === 'object' && x ? [`${indent}${k}:`, ...linesOf(x, `${indent}  `)] : [`${indent}${k}: ${String(x)}`]));
}

/** The dossier as a PDF; long artifacts are cut with a pointer to the JSON export. */
export function renderDossierPdf(d: Dossier): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `${d.title} ${d.version}`, Creator: 'IdeaMine', CreationDate: d.completedAt ? new Date(d.completedAt) : new Date(0) } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(20).text(d.title);
    doc.fontSize(10).fillColor('#555').text(`Release dossier ${d.version} - run ${d.runId} - ${d.status} - completeness ${d.completeness}%`);
    doc.moveDown().fillColor('#000').fontSize(12).text('Idea', { underline: true }).fontSize(10).text(d.idea.idea);
    if (d.missing.length) doc.moveDown().fillColor('#b42318').text(`Missing: ${d.missing.join(', ')}`).fillColor('#000');
    doc.moveDown().fontSize(12).text('Phases', { underline: true }).fontSize(9);
    for (const p of d.phases) doc.text(`${p.phase}: gate score ${p.score}, attempts ${p.attempts}, evidence ${p.evidencePackSha256.slice(0, 16)}`);
    for (const [cat, items] of Object.entries(d.categories)) {
      doc.addPage().fontSize(16).text(cat.toUpperCase());
      for (const a of items) {
        doc.moveDown(0.5).fontSize(12).text(`${a.title} (${a.phase})`, { underline: true }).fontSize(8);
        const lines = linesOf(a.content);
        doc.text(lines.slice(0, MAX_LINES_PER_ARTIFACT).join('\n'));
        if (lines.length > MAX_LINES_PER_ARTIFACT) doc.fillColor('#555').text(`... ${lines.length - MAX_LINES_PER_ARTIFACT} more lines in dossier.json`).fillColor('#000');
      }
    }
    doc.moveDown().fontSize(8).text(`Signature ${d.signature.algorithm}:${d.signature.value}`);
    doc.end();
  });
}
