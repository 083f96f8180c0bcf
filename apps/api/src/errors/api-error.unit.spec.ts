import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { API_ERROR_CODES, ApiError } from './api-error';
import { ApiErrorFilter, bodyParserErrorHandler, RETRY_AFTER_S, toErrorBody } from './error.filter';
import { fieldProblems } from './validation';

describe('API errors', () => {
  it('docs/api-errors.md lists exactly the codes, with their statuses', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'api-errors.md'), 'utf8');
    const rows = Object.fromEntries([...doc.matchAll(/^\| `(IM_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));
    expect(rows).toEqual(API_ERROR_CODES);
  });

  it('maps every kind of failure to the one body, with a status', () => {
    expect(toErrorBody(new ApiError('IM_RUN_FINISHED', 'cannot cancel: run x is completed', { status: 'completed' }))).toEqual({ status: 409, body: { error: { code: 'IM_RUN_FINISHED', message: 'cannot cancel: run x is completed', details: { status: 'completed' } } } });
    expect(toErrorBody(new NotFoundException('Cannot GET /nope')).body.error).toEqual({ code: 'IM_NOT_FOUND', message: 'Cannot GET /nope', details: null });
    expect(toErrorBody(new BadRequestException(['a must be a string', 'b should not exist'])).body.error).toMatchObject({ code: 'IM_VALIDATION', message: 'a must be a string; b should not exist' });
    expect(toErrorBody(new ThrottlerException()).status).toBe(429);
    expect(toErrorBody(new PayloadTooLargeException()).body.error.code).toBe('IM_PAYLOAD_TOO_LARGE');
    expect(toErrorBody(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toMatchObject({ status: 503, body: { error: { code: 'IM_READ_MODEL_UNAVAILABLE' } } });
    expect(toErrorBody(Object.assign(new Error('TIMEOUT'), { name: 'NatsError', code: 'TIMEOUT' }))).toMatchObject({ status: 503, body: { error: { code: 'IM_EVENT_STORE_UNAVAILABLE' } } });
    // An unknown error says nothing about itself to the client.
    expect(toErrorBody(new Error('secret internals'))).toEqual({ status: 500, body: { error: { code: 'IM_INTERNAL', message: 'internal error; the server log has the details', details: null } } });
  });

  it('answers body-parser failures in the same shape', () => {
    let sent: { status?: number; body?: unknown } = {};
    const res: any = { headersSent: false, status: (s: number) => ((sent.status = s), res), json: (b: unknown) => (sent.body = b) };
    bodyParserErrorHandler({ type: 'entity.too.large', limit: 65536 }, {} as any, res, () => undefined);
    expect(sent).toEqual({ status: 413, body: { error: { code: 'IM_PAYLOAD_TOO_LARGE', message: 'request body is larger than the limit of 65536 bytes', details: null } } });
    sent = {};
    let passed: unknown;
    bodyParserErrorHandler(new Error('other'), {} as any, res, (e?: unknown) => (passed = e));
    expect(passed).toBeInstanceOf(Error);
    expect(sent).toEqual({});
  });

  it('names nested fields with a dotted path', () => {
    expect(fieldProblems([{ property: 'add', children: [{ property: 'tokens', constraints: { min: 'tokens must not be less than 0' }, children: [] }] } as any]))
      .toEqual([{ field: 'add.tokens', reasons: ['tokens must not be less than 0'] }]);
  });

  it('answers an outage with 503 and Retry-After over real HTTP, never 500', async () => {
    const { Controller, Get, Module } = await import('@nestjs/common');
    const { NestFactory } = await import('@nestjs/core');
    const request = (await import('supertest')).default;
    @Controller()
    class Outage {
      @Get('pg') pg() { throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }); }
      @Get('nats') nats() { throw Object.assign(new Error('TIMEOUT'), { name: 'NatsError', code: 'TIMEOUT' }); }
      @Get('artifact') artifact() { throw Object.assign(new Error('artifact x: no chunk for 15000 ms'), { code: 'IM_ARTIFACT_READ_STALLED', retryable: true }); }
      @Get('bug') bug() { throw new TypeError('x is undefined'); }
    }
    @Module({ controllers: [Outage] })
    class OutageModule {}
    const app = await NestFactory.create(OutageModule, { logger: false });
    app.useGlobalFilters(new ApiErrorFilter());
    await app.init();
    try {
      for (const [path, code] of [['/pg', 'IM_READ_MODEL_UNAVAILABLE'], ['/nats', 'IM_EVENT_STORE_UNAVAILABLE'], ['/artifact', 'IM_EVENT_STORE_UNAVAILABLE']]) {
        const res = await request(app.getHttpServer()).get(path).expect(503);
        expect(res.headers['retry-after']).toBe(String(RETRY_AFTER_S));
        expect(res.body.error.code).toBe(code);
      }
      const bug = await request(app.getHttpServer()).get('/bug').expect(500);
      expect(bug.headers['retry-after']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
