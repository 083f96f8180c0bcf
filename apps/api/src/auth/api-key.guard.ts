import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { IS_PUBLIC } from '@ideamine/service-kit';
import { isValidKey, keyLabel, parseApiKeys } from './api-keys';
import { ApiError } from '../errors/api-error';

/** Bearer API keys from IM_API_KEYS on every route not marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys = parseApiKeys(process.env.IM_API_KEYS);

  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<Request & { apiKeyLabel?: string }>();
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m || !isValidKey(this.keys, m[1])) throw new ApiError('IM_UNAUTHORIZED', 'missing or invalid API key: send "Authorization: Bearer <key>" with a key from IM_API_KEYS');
    req.apiKeyLabel = keyLabel(m[1]);
    return true;
  }
}
