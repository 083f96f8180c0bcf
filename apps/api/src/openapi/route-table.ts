import type { INestApplication } from '@nestjs/common';

/**
 * The routes Express actually serves for the Nest controllers, as "METHOD /openapi/{style}"
 * strings: what a spec checks against the OpenAPI document, so no route goes undocumented.
 * Swagger's own routes (/docs, /openapi.json) and static files are not controller routes.
 */
export function mappedRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance();
  const stack: any[] = express.router?.stack ?? express._router?.stack ?? [];
  const out = new Set<string>();
  for (const layer of stack) {
    const route = layer.route;
    if (!route?.path || typeof route.path !== 'string') continue;
    if (/^\/(docs|openapi)/.test(route.path)) continue;
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    for (const [method, on] of Object.entries(route.methods ?? {})) if (on && method !== '_all') out.add(`${method.toUpperCase()} ${path}`);
  }
  return [...out].sort();
}
