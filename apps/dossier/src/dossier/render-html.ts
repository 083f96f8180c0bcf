import MarkdownIt from 'markdown-it';
import { DOSSIER_CSS as CSS, DOSSIER_CSP } from '@ideamine/contracts';
import type { Dossier } from './compile-dossier';
import { Block, buildDocument } from './document';

export { DOSSIER_CSP };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Every piece of user or agent text goes through this; nothing is ever inserted raw. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

/**
 * Agent-written markdown: raw HTML is escaped (html: false), links are limited to http(s) and
 * in-page anchors by markdown-it's validateLink plus ours, images are shown as their alt text.
 */
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
const allowLink = md.validateLink.bind(md);
md.validateLink = (url: string) => allowLink(url) && /^(https?:|#|mailto:)/i.test(url.trim());
md.renderer.rules.image = (tokens, idx) => escapeHtml(tokens[idx].content || tokens[idx].attrGet('alt') || '');

export const renderMarkdown = (source: string) => md.render(source);

function block(b: Block): string {
  switch (b.kind) {
    case 'markdown': return `<div class="md">${renderMarkdown(b.source)}</div>`;
    case 'code': return `<pre><code>${escapeHtml(b.text)}</code></pre>`;
    case 'para': return `<p${b.muted ? ' class="meta"' : ''}>${escapeHtml(b.text)}</p>`;
    case 'subheading': return `<h4>${escapeHtml(b.text)}</h4>`;
    case 'list': return `<ul>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
    case 'kv': return `<table class="kv">${b.rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
    case 'table':
      return `<table><thead><tr>${b.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${b.rows
        .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>${b.more ? `<p class="meta">… and ${b.more} more rows in dossier.json</p>` : ''}`;
  }
}

/** A self-contained document: no script, no external resources, CSP pinned to the one inline style. */
export function renderDossierHtml(d: Dossier): string {
  const doc = buildDocument(d);
  const toc = doc.sections.map((s) => `<li class="toc-${s.level}"><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`).join('');
  const body = doc.sections.map((s) => {
    const h = s.level === 1 ? 'h2' : 'h3';
    return `<section id="${escapeHtml(s.id)}" class="level-${s.level}"><${h}>${escapeHtml(s.title)}</${h}>${s.blocks.map(block).join('\n')}</section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(DOSSIER_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)} — ${escapeHtml(doc.subtitle)}</title>
<style>${CSS}</style></head>
<body>
<header class="title-page">
<p class="kicker">${escapeHtml(doc.subtitle)}</p>
<h1>${escapeHtml(doc.title)}</h1>
<dl class="facts">${doc.facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>
</header>
<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>${toc}</ol></nav>
<main>
${body}
</main>
</body></html>
`;
}
