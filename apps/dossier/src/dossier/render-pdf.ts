import PDFDocument from 'pdfkit';
import MarkdownIt from 'markdown-it';
type Token = ReturnType<typeof md.parse>[number];
import type { Dossier } from './compile-dossier';
import { Block, buildDocument, DossierDocument } from './document';
import { DossierFontsMissingError, FontRole, loadFonts, LoadedFont } from './fonts';

type Doc = PDFKit.PDFDocument;
type Style = 'regular' | 'bold' | 'mono';

const MARGIN = 56;
const SIZE = { title: 26, h1: 18, h2: 13, h3: 10.5, body: 9.5, table: 8, small: 7.5 };
const COLOR = { text: '#1b1f24', muted: '#57606a', rule: '#d0d7de', head: '#eef1f4', link: '#0550ae' };
const md = new MarkdownIt({ html: false });

/** Invisible joiners and variation selectors: no font has glyphs for them, and they carry no text. */
const INVISIBLE = /[\u200B-\u200D\uFE0E\uFE0F\u2060]/gu;

/**
 * pdfkit draws each string in one font; text mixes Latin, CJK and emoji. So a string is split
 * into runs, each in the first font (style font, then CJK, then symbols) that has its glyphs.
 */
export class FontSet {
  constructor(private readonly fonts: Map<FontRole, LoadedFont>) {}

  runs(text: string, style: Style): { font: string; text: string }[] {
    const primary = this.fonts.get(style)!;
    const order = [primary, this.fonts.get('regular')!, this.fonts.get('cjk')!, this.fonts.get('symbols')!];
    const out: { font: string; text: string }[] = [];
    for (const ch of text.replace(INVISIBLE, '')) {
      const cp = ch.codePointAt(0)!;
      const f = cp < 0x80 || /\s/.test(ch) ? primary : order.find((x) => x.has(cp)) ?? primary;
      const last = out[out.length - 1];
      if (last && last.font === f.path) last.text += ch;
      else out.push({ font: f.path, text: ch });
    }
    return out;
  }

  path(style: Style) {
    return this.fonts.get(style)!.path;
  }
}

interface Ctx {
  doc: Doc;
  fonts: FontSet;
  pages: Map<string, number>;
  /** Section id -> page, from the first pass, for the contents page. */
  known?: Map<string, number>;
  page: number;
}

interface Run { font: string; text: string; width: number }
type Line = Run[];

/** Break opportunities: runs of spaces, single CJK characters (they break anywhere), other words. */
const TOKENS = /\s+|[\u2E80-\u303F\u3040-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF]|[^\s\u2E80-\u303F\u3040-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF]+/gu;
const lineHeight = (size: number) => size * 1.32;

/**
 * Our own line layout: pdfkit's wrapper cannot change fonts mid-line reliably, so every run is
 * measured in its font, lines are filled greedily, and each run is drawn at an exact position.
 */
function layout(c: Ctx, text: string, style: Style, size: number, width: number): Line[] {
  const { doc, fonts } = c;
  const measure = (t: string): Run[] => fonts.runs(t, style).map((r) => ({ ...r, width: doc.font(r.font).fontSize(size).widthOfString(r.text) }));
  const lines: Line[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line: Line = [];
    let used = 0;
    const push = () => {
      while (line.length && !line[line.length - 1].text.trim()) used -= line.pop()!.width;
      lines.push(line);
      line = [];
      used = 0;
    };
    for (const token of paragraph.match(TOKENS) ?? []) {
      const space = !token.trim();
      // Code keeps its indentation; prose drops spaces at the start of a line.
      if (space && !line.length && style !== 'mono') continue;
      let runs = measure(space && style !== 'mono' ? ' ' : token);
      let w = runs.reduce((a, r) => a + r.width, 0);
      if (used + w > width && line.length) {
        push();
        if (space) continue;
      }
      if (w > width) {
        // A word wider than the column: break it between characters.
        for (const ch of token) {
          const cr = measure(ch);
          const cw = cr.reduce((a, r) => a + r.width, 0);
          if (used + cw > width && line.length) push();
          line.push(...cr);
          used += cw;
        }
        continue;
      }
      line.push(...runs);
      used += w;
      runs = [];
      w = 0;
    }
    push();
  }
  return lines.length ? lines : [[]];
}

function heightOf(c: Ctx, text: string, width: number, style: Style, size: number) {
  return layout(c, text, style, size, width).length * lineHeight(size);
}

/** Draws text at (x, y) or the cursor, wrapping at width, breaking pages between lines; leaves doc.y below it. */
function write(c: Ctx, text: string, o: { style?: Style; size?: number; color?: string; x?: number; y?: number; width?: number; goTo?: string; align?: 'left' | 'right' } = {}) {
  const { doc } = c;
  const style = o.style ?? 'regular';
  const size = o.size ?? SIZE.body;
  const x = o.x ?? doc.x;
  const width = o.width ?? doc.page.width - doc.page.margins.right - x;
  let y = o.y ?? doc.y;
  doc.fillColor(o.color ?? COLOR.text);
  for (const line of layout(c, text, style, size, width)) {
    if (y + lineHeight(size) > doc.page.height - doc.page.margins.bottom) {
      doc.addPage();
      y = doc.y;
      doc.fillColor(o.color ?? COLOR.text);
    }
    const lineWidth = line.reduce((a, r) => a + r.width, 0);
    let cx = o.align === 'right' ? x + width - lineWidth : x;
    for (const r of line) {
      doc.font(r.font).fontSize(size).text(r.text, cx, y + size * 0.12, { lineBreak: false });
      cx += r.width;
    }
    if (o.goTo && lineWidth) doc.goTo(x, y, lineWidth, lineHeight(size), o.goTo);
    y += lineHeight(size);
  }
  doc.x = o.x ?? MARGIN;
  doc.y = y;
}

const bottom = (doc: Doc) => doc.page.height - MARGIN;
const contentWidth = (doc: Doc) => doc.page.width - 2 * MARGIN;

function ensure(c: Ctx, height: number) {
  if (c.doc.y + height > bottom(c.doc)) c.doc.addPage();
}

function table(c: Ctx, columns: string[], rows: string[][], more?: number) {
  const { doc } = c;
  const width = contentWidth(doc);
  const pad = 3;
  // Every column fits its longest header word; the rest of the width follows content length,
  // so short codes do not take half the page and headers never break mid-word.
  const minWidths = columns.map((h) => Math.max(...h.split(' ').map((w) => doc.font(c.fonts.path('bold')).fontSize(SIZE.table).widthOfString(w))) + 2 * pad + 1);
  const weight = columns.map((_, i) => Math.min(60, Math.max(4, ...rows.map((r) => Math.min(60, (r[i] ?? '').length)))));
  const spare = Math.max(0, width - minWidths.reduce((a, b) => a + b, 0));
  const total = weight.reduce((a, b) => a + b, 0);
  const widths = minWidths.map((m, i) => m + (weight[i] / total) * spare);
  const rowHeight = (cells: string[], style: Style) => Math.max(...cells.map((t, i) => heightOf(c, t, widths[i] - 2 * pad, style, SIZE.table))) + 2 * pad;
  const drawRow = (cells: string[], style: Style, fill?: string) => {
    const h = rowHeight(cells, style);
    ensure(c, h);
    const y = doc.y;
    if (fill) doc.save().rect(MARGIN, y, width, h).fill(fill).restore();
    let x = MARGIN;
    cells.forEach((t, i) => {
      write(c, t, { style, size: SIZE.table, x: x + pad, y: y + pad, width: widths[i] - 2 * pad });
      x += widths[i];
    });
    doc.save().moveTo(MARGIN, y + h).lineTo(MARGIN + width, y + h).lineWidth(0.5).strokeColor(COLOR.rule).stroke().restore();
    doc.x = MARGIN;
    doc.y = y + h;
  };
  ensure(c, rowHeight(columns, 'bold') + 14);
  drawRow(columns, 'bold', COLOR.head);
  for (const r of rows) {
    if (doc.y + rowHeight(r, 'regular') > bottom(doc)) {
      doc.addPage();
      drawRow(columns, 'bold', COLOR.head);
    }
    drawRow(r, 'regular');
  }
  if (more) write(c, `… and ${more} more rows in dossier.json`, { size: SIZE.small, color: COLOR.muted, x: MARGIN, y: doc.y + 2 });
  doc.x = MARGIN;
  doc.moveDown(0.6);
}

function inlineText(t: Token): string {
  return (t.children ?? []).map((x) => (x.type === 'softbreak' || x.type === 'hardbreak' ? ' ' : x.type === 'image' ? x.content : x.content)).join('');
}

/** Markdown as PDF: headings, paragraphs, lists, code and tables from markdown-it's tokens. */
function markdown(c: Ctx, source: string) {
  const tokens = md.parse(source, {});
  let listDepth = 0;
  let ordered: number[] = [];
  let tableRows: string[][] | undefined;
  let row: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === 'heading_open') {
      ensure(c, 30);
      write(c, inlineText(tokens[i + 1]), { style: 'bold', size: t.tag === 'h1' ? SIZE.h3 + 1 : SIZE.h3, x: MARGIN });
      c.doc.moveDown(0.2);
      i += 2;
    } else if (t.type === 'bullet_list_open' || t.type === 'ordered_list_open') {
      listDepth++;
      ordered.push(t.type === 'ordered_list_open' ? 1 : 0);
    } else if (t.type === 'bullet_list_close' || t.type === 'ordered_list_close') {
      listDepth--;
      ordered = ordered.slice(0, -1);
      if (!listDepth) c.doc.moveDown(0.3);
    } else if (t.type === 'inline' && tableRows) {
      row.push(inlineText(t));
    } else if (t.type === 'inline' && listDepth) {
      const n = ordered[ordered.length - 1];
      const bullet = n ? `${n}.` : '•';
      if (n) ordered[ordered.length - 1]++;
      ensure(c, 14);
      write(c, `${bullet} ${inlineText(t)}`, { x: MARGIN + 12 * listDepth, width: contentWidth(c.doc) - 12 * listDepth });
    } else if (t.type === 'inline') {
      ensure(c, 14);
      write(c, inlineText(t), { x: MARGIN, width: contentWidth(c.doc) });
      c.doc.moveDown(0.4);
    } else if (t.type === 'fence' || t.type === 'code_block') {
      ensure(c, 20);
      write(c, t.content.replace(/\n$/, ''), { style: 'mono', size: SIZE.small, x: MARGIN + 8, width: contentWidth(c.doc) - 16, color: '#24292f' });
      c.doc.moveDown(0.4);
    } else if (t.type === 'table_open') tableRows = [];
    else if (t.type === 'tr_open') row = [];
    else if (t.type === 'tr_close') tableRows?.push(row);
    else if (t.type === 'table_close' && tableRows) {
      const [head, ...rest] = tableRows;
      if (head) table(c, head, rest);
      tableRows = undefined;
    }
  }
}

function block(c: Ctx, b: Block) {
  const { doc } = c;
  doc.x = MARGIN;
  switch (b.kind) {
    case 'markdown': return markdown(c, b.source);
    case 'code':
      write(c, b.text.split('\n').slice(0, 40).join('\n'), { style: 'mono', size: SIZE.small, x: MARGIN + 8, width: contentWidth(doc) - 16, color: '#24292f' });
      return void doc.moveDown(0.4);
    case 'para':
      ensure(c, 14);
      write(c, b.text, { color: b.muted ? COLOR.muted : COLOR.text, size: b.muted ? SIZE.small + 0.5 : SIZE.body, x: MARGIN, width: contentWidth(doc) });
      return void doc.moveDown(0.4);
    case 'subheading':
      ensure(c, 36);
      doc.moveDown(0.3);
      write(c, b.text, { style: 'bold', size: SIZE.h3, x: MARGIN });
      return void doc.moveDown(0.2);
    case 'list':
      for (const item of b.items) {
        ensure(c, 14);
        write(c, `• ${item}`, { x: MARGIN + 10, width: contentWidth(doc) - 10 });
      }
      return void doc.moveDown(0.4);
    case 'kv': {
      const keyWidth = Math.min(150, Math.max(...b.rows.map(([k]) => doc.font(c.fonts.path('bold')).fontSize(SIZE.table).widthOfString(k))) + 10);
      for (const [k, v] of b.rows) {
        const h = Math.max(heightOf(c, k, keyWidth - 6, 'bold', SIZE.table), heightOf(c, v, contentWidth(doc) - keyWidth, 'regular', SIZE.table)) + 3;
        ensure(c, h);
        const y = doc.y;
        write(c, k, { style: 'bold', size: SIZE.table, x: MARGIN, y, width: keyWidth - 6, color: COLOR.muted });
        write(c, v, { size: SIZE.table, x: MARGIN + keyWidth, y, width: contentWidth(doc) - keyWidth });
        doc.y = y + h;
      }
      doc.x = MARGIN;
      return void doc.moveDown(0.5);
    }
    case 'table': return table(c, b.columns, b.rows, b.more);
  }
}

function titlePage(c: Ctx, d: DossierDocument, idea: string) {
  const { doc } = c;
  doc.y = 170;
  write(c, d.subtitle.toUpperCase(), { size: 10, color: COLOR.muted, x: MARGIN });
  doc.moveDown(0.5);
  write(c, d.title, { style: 'bold', size: SIZE.title, x: MARGIN, width: contentWidth(doc) });
  doc.moveDown(0.6);
  write(c, idea.length > 600 ? `${idea.slice(0, 599)}…` : idea, { size: 11, x: MARGIN, width: contentWidth(doc), color: '#32383f' });
  doc.moveDown(1.5);
  for (const [k, v] of d.facts) {
    const y = doc.y;
    write(c, k, { style: 'bold', size: 9, color: COLOR.muted, x: MARGIN, y, width: 90 });
    write(c, v, { size: 9, x: MARGIN + 95, y, width: contentWidth(doc) - 95 });
    doc.y = Math.max(doc.y, y + 14);
  }
}

function contents(c: Ctx, d: DossierDocument) {
  const { doc } = c;
  doc.addPage();
  write(c, 'Contents', { style: 'bold', size: SIZE.h1, x: MARGIN });
  doc.moveDown(0.6);
  for (const s of d.sections) {
    const indent = s.level === 1 ? 0 : 14;
    const size = s.level === 1 ? 10 : 8.5;
    ensure(c, 14);
    const y = doc.y;
    const page = c.known?.get(s.id);
    write(c, s.title, { style: s.level === 1 ? 'bold' : 'regular', size, x: MARGIN + indent, y, width: contentWidth(doc) - indent - 40, goTo: s.id, color: COLOR.link });
    const after = doc.y;
    write(c, page ? String(page) : '', { size, x: MARGIN + contentWidth(doc) - 36, y, width: 36, align: 'right', color: COLOR.muted });
    doc.y = Math.max(after, y + size + 3);
  }
}

function render(d: Dossier, fonts: FontSet, known?: Map<string, number>): Promise<{ pdf: Buffer; pages: Map<string, number>; pageCount: number }> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4', margin: MARGIN, bufferPages: true, autoFirstPage: true, lang: 'en', displayTitle: true, pdfVersion: '1.7',
      info: { Title: `${d.title} ${d.version}`, Subject: 'Release dossier', Creator: 'IdeaMine', Producer: 'IdeaMine dossier', CreationDate: d.completedAt ? new Date(d.completedAt) : new Date(0) },
    });
    const c: Ctx = { doc, fonts, pages: new Map(), known, page: 1 };
    doc.on('pageAdded', () => c.page++);
    const chunks: Buffer[] = [];
    doc.on('data', (ch: Buffer) => chunks.push(ch));
    doc.on('error', reject);
    const model = buildDocument(d);
    titlePage(c, model, d.idea.idea);
    contents(c, model);
    let chapter: PDFKit.PDFOutline | undefined;
    model.sections.forEach((s, i) => {
      // Chapters start on a new page only when little of the current one is left: page breaks
      // before every chapter cost the sample idea five mostly empty pages.
      if (i === 0) doc.addPage();
      else {
        ensure(c, s.level === 1 ? 160 : 80);
        doc.moveDown(s.level === 1 ? 1.4 : 0.8);
      }
      doc.x = MARGIN;
      c.pages.set(s.id, c.page);
      doc.addNamedDestination(s.id, 'XYZ', MARGIN, doc.page.height - doc.y, null);
      if (s.level === 1) chapter = doc.outline.addItem(s.title);
      else (chapter ?? doc.outline).addItem(s.title);
      write(c, s.title, { style: 'bold', size: s.level === 1 ? SIZE.h1 : SIZE.h2, x: MARGIN, width: contentWidth(doc) });
      doc.moveDown(s.level === 1 ? 0.6 : 0.3);
      for (const b of s.blocks) block(c, b);
    });
    // Footers last (bufferPages), with the bottom margin lifted so writing there adds no page.
    const range = doc.bufferedPageRange();
    for (let i = 1; i < range.count; i++) {
      doc.switchToPage(range.start + i);
      const m = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      write(c, `${d.title} · ${d.version} · page ${i + 1} of ${range.count}`, { size: SIZE.small, color: COLOR.muted, x: MARGIN, y: doc.page.height - MARGIN + 18, width: contentWidth(doc), align: 'right' });
      doc.page.margins.bottom = m;
    }
    const pageCount = range.count;
    doc.on('end', () => resolve({ pdf: Buffer.concat(chunks), pages: c.pages, pageCount }));
    doc.end();
  });
}

/**
 * The embedded Unicode fonts, or, when a machine lacks them, pdfkit's built-in PDF fonts (Latin-1
 * only: other scripts print as gaps) with a warning, so a missing package costs glyphs, not the
 * dossier. `npm run setup` installs the packages; the error names them.
 */
function fontSet(): FontSet {
  try {
    return new FontSet(loadFonts());
  } catch (err) {
    if (!(err instanceof DossierFontsMissingError)) throw err;
    if (!warned) console.warn(JSON.stringify({ level: 'warn', code: err.code, msg: err.message }));
    warned = true;
    const builtin = (role: FontRole, path: string): LoadedFont => ({ role, path, has: (cp) => cp < 0x100 });
    return new FontSet(new Map<FontRole, LoadedFont>([
      ['regular', builtin('regular', 'Helvetica')], ['bold', builtin('bold', 'Helvetica-Bold')], ['mono', builtin('mono', 'Courier')],
      ['cjk', builtin('cjk', 'Helvetica')], ['symbols', builtin('symbols', 'Helvetica')],
    ]));
  }
}
let warned = false;

/**
 * The dossier as a PDF: title page, contents with page numbers and links, one outline
 * (bookmark) entry per chapter and artifact, embedded Unicode fonts (Latin, CJK, symbols).
 * Rendered twice: the first pass finds the page of every section for the contents page.
 */
export async function renderDossierPdf(d: Dossier): Promise<Buffer> {
  const fonts = fontSet();
  const first = await render(d, fonts);
  return (await render(d, fonts, first.pages)).pdf;
}

/** For tests and the demo: the PDF and how many pages it has. */
export async function renderDossierPdfWithStats(d: Dossier): Promise<{ pdf: Buffer; pageCount: number }> {
  const fonts = fontSet();
  const first = await render(d, fonts);
  const second = await render(d, fonts, first.pages);
  return { pdf: second.pdf, pageCount: second.pageCount };
}
