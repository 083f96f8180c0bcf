import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';

/**
 * The dashboard's policy: only its own bundled script and stylesheet, fetches to this origin
 * (API and SSE), no inline script or style, no frames, no plugins.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "font-src 'self'",
  "connect-src 'self'", "manifest-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'", "object-src 'none'",
].join('; ');
/** Swagger UI needs its inline <style> block and data: images; its scripts are files, not inline. */
const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** JSON and everything else: nothing may be loaded or framed if a browser ever renders it. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

export function dashboardDir(): string {
  return resolve(process.env.IM_DASHBOARD_DIR ?? join(__dirname, '..', '..', 'dashboard'));
}

export function securityHeaders(req: Request, res: Response, next: NextFunction) {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  const path = req.path;
  res.setHeader('Content-Security-Policy', path === '/docs' || path.startsWith('/docs/') ? DOCS_CSP : path.startsWith('/v1/') || path.startsWith('/health') || path === '/metrics' || path.startsWith('/openapi') ? API_CSP : DASHBOARD_CSP);
  next();
}

/**
 * Serves the built dashboard (dist/apps/api/dashboard) at /. Every non-API path that is not a file
 * gets index.html, so deep links (/runs/<id>) work. Public: the page holds no data; the API key
 * the user types is what authorizes its requests.
 */
export function mountDashboard(app: NestExpressApplication): void {
  const dir = dashboardDir();
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    app.use('/', (req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET' || req.path !== '/') return next();
      res.status(503).json({ error: { code: 'IM_UNAVAILABLE', message: `the dashboard is not built (${index} is missing): run npm run build`, details: null } });
    });
    return;
  }
  app.useStaticAssets(dir, { index: false, maxAge: '1h', fallthrough: true, dotfiles: 'deny' });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || /^\/(v1|health|metrics|docs|openapi)(\/|\.|$)/.test(req.path)) return next();
    if (!(req.headers.accept ?? '').includes('text/html')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}
