import { createHash } from 'node:crypto';

/**
 * The dossier page's only style, and the Content-Security-Policy that allows exactly it (by hash).
 * Shared because the dossier service writes the page and the api serves it with the same policy.
 */
export const DOSSIER_CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;background:#f6f8fa;padding:.5rem;border-radius:4px}.meta{color:#57606a}
dl{margin:.2rem 0 .2rem 1rem}dt{font-weight:600}dd{margin-left:1rem}.missing{color:#b42318}`;

export const DOSSIER_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(DOSSIER_CSS).digest('base64')}'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
