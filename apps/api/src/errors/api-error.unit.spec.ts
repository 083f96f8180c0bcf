import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { API_ERROR_CODES, ApiError } from './api-error';
import { bodyParserErrorHandler, toErrorBody } from './error.filter';
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
});
