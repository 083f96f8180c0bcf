import { createHash } from 'node:crypto';

/**
 * The dossier page's only style, and the Content-Security-Policy that allows exactly it (by hash).
 * Shared because the dossier service writes the page and the api serves it with the same policy.
 */
export const DOSSIER_CSS = `body{font:15px/1.55 system-ui,"Segoe UI",sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:2.2rem;margin:.2rem 0 1rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2.5rem}h3{margin-top:1.8rem}h4{margin:1.2rem 0 .3rem;color:#424a53}
table{border-collapse:collapse;margin:.4rem 0 .8rem;width:100%}td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}thead th{background:#f6f8fa}
table.kv{width:auto}table.kv th{background:#f6f8fa;font-weight:600;white-space:nowrap}
pre{white-space:pre-wrap;background:#f6f8fa;padding:.5rem;border-radius:4px}code{background:#f6f8fa;padding:0 .2rem;border-radius:3px}.meta{color:#57606a}
.title-page{border-bottom:3px solid #1b1f24;padding-bottom:1rem}.kicker{text-transform:uppercase;letter-spacing:.08em;color:#57606a;margin:0}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.3rem 1rem}.facts dt{font-weight:600;color:#57606a}.facts dd{margin:0;word-break:break-all}
.toc ol{list-style:none;padding-left:0;columns:2}.toc .toc-2{padding-left:1.2rem;font-size:.92em}.toc a{color:#0550ae;text-decoration:none}
dl{margin:.2rem 0 .2rem 1rem}dt{font-weight:600}dd{margin-left:1rem}.missing{color:#b42318}
@media print{.toc ol{columns:1}section.level-1{break-before:page}}`;

export const DOSSIER_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(DOSSIER_CSS).digest('base64')}'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
