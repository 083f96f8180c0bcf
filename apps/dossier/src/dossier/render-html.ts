import { DOSSIER_CSS as CSS, DOSSIER_CSP } from '@ideamine/contracts';
import type { Dossier } from './compile-dossier';

export { DOSSIER_CSP };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Every piece of user or agent text goes through this; nothing is ever inserted raw. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

function renderValue(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return '<em>none</em>';
  if (typeof v === 'string') return v.includes('\n') || v.length > 160 ? `<pre>${escapeHtml(v)}</pre>` : escapeHtml(v);
  if (typeof v !== 'object') return escapeHtml(v);
  if (depth > 6) return `<pre>${escapeHtml(JSON.stringify(v, null, 2))}</pre>`;
  if (Array.isArray(v)) {
    if (v.length === 0) return '<em>none</em>';
    return `<ol>${v.map((x) => `<li>${renderValue(x, depth + 1)}</li>`).join('')}</ol>`;
  }
  return `<dl>${Object.entries(v).map(([k, x]) => `<dt>${escapeHtml(k)}</dt><dd>${renderValue(x, depth + 1)}</dd>`).join('')}</dl>`;
}

/** A self-contained page: no script, no external resources, CSP pinned to the one inline style. */
export function renderDossierHtml(d: Dossier): string {
  const sections = (Object.entries(d.categories) as [string, Dossier['categories'][keyof Dossier['categories']]][])
    .map(([cat, items]) => `<h2>${escapeHtml(cat)}</h2>${items.length ? items.map((a) => `<h3>${escapeHtml(a.title)} <span class="meta">(${escapeHtml(a.phase)})</span></h3>${renderValue(a.content)}`).join('') : '<p><em>no artifacts</em></p>'}`)
    .join('\n');
  const phases = d.phases.map((p) => `<tr><td>${escapeHtml(p.phase)}</td><td>${escapeHtml(p.score)}</td><td>${escapeHtml(p.attempts)}</td><td><code>${escapeHtml(p.evidencePackSha256.slice(0, 16))}</code></td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(DOSSIER_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(d.title)} ${escapeHtml(d.version)} — release dossier</title>
<style>${CSS}</style></head>
<body>
<h1>${escapeHtml(d.title)}</h1>
<p class="meta">Release dossier ${escapeHtml(d.version)} · run <code>${escapeHtml(d.runId)}</code> · ${escapeHtml(d.status)} · completeness ${escapeHtml(d.completeness)}%</p>
<h2>Idea</h2><p>${escapeHtml(d.idea.idea)}</p>
${d.idea.targetUsers.length ? `<p><strong>Target users:</strong> ${d.idea.targetUsers.map(escapeHtml).join(', ')}</p>` : ''}
${d.idea.constraints.length ? `<p><strong>Constraints:</strong> ${d.idea.constraints.map(escapeHtml).join('; ')}</p>` : ''}
${d.missing.length ? `<p class="missing"><strong>Missing:</strong> ${d.missing.map(escapeHtml).join(', ')}</p>` : ''}
<h2>Phases</h2><table><tr><th>phase</th><th>gate score</th><th>attempts</th><th>evidence pack</th></tr>${phases}</table>
${sections}
<h2>Signature</h2><p><code>${escapeHtml(d.signature.algorithm)}:${escapeHtml(d.signature.value)}</code></p>
</body></html>
`;
}
