import { Controller, Get, Inject, OnModuleDestroy, Param, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ConsumerMessages, DeliverPolicy, JsMsg } from 'nats';
import { STREAMS, subjects } from '@ideamine/contracts';
import { NatsResources } from '@ideamine/jetstream';
import { NATS } from '@ideamine/service-kit';
import { ApiError } from '../errors/api-error';
import { ApiCommonErrors, parseStreamSeq } from '../pagination';
import { RunIdParam, runIdPipe } from '../runs/runs.controller';

const HEARTBEAT_MS = Number(process.env.IM_SSE_HEARTBEAT_MS ?? 15_000);
const MAX_STREAMS = Number(process.env.IM_SSE_MAX_STREAMS ?? 200);
/** A client that reads nothing for this long is dropped; it resumes with Last-Event-ID. */
const STALLED_CLIENT_MS = 60_000;
/** Messages the ordered consumer buffers per client: the bound on memory for a slow reader. */
const BUFFER = 64;

/** Header or query (read from req, so the OpenAPI document lists each parameter once). */
function resumeAfter(req: Request): number | undefined {
  const q = typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined;
  return parseStreamSeq('Last-Event-ID', req.header('last-event-id')) ?? parseStreamSeq('lastEventId', q);
}

/**
 * Server-sent events read from the IM_EVENTS stream with an ordered consumer. Not a core
 * subscription: that would also see publishes JetStream rejected (duplicates, failed
 * expected-sequence checks), and it could not resume. Every event's SSE id is its stream
 * sequence, so a client that reconnects with Last-Event-ID continues exactly after the last
 * event it got: no gap, no duplicate. The body is the envelope exactly as it was published.
 */
@ApiTags('stream')
@ApiBearerAuth()
@ApiCommonErrors({ status: 503, description: 'too many open streams, or NATS unavailable' })
@Controller()
export class EventStreamController implements OnModuleDestroy {
  private readonly open = new Set<ConsumerMessages>();

  constructor(@Inject(NATS) private readonly nats: NatsResources) {}

  async onModuleDestroy() {
    await Promise.all([...this.open].map((m) => m.close().catch(() => undefined)));
  }

  @Get('v1/runs/:id/stream')
  @RunIdParam()
  @ApiOperation({ summary: "Live events of one run (SSE). Without Last-Event-ID it starts at the run's first event" })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this stream sequence' })
  @ApiQuery({ name: 'lastEventId', required: false, description: 'the same as Last-Event-ID, for clients that cannot set headers' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'text/event-stream: `id: <stream seq>`, `data: <envelope JSON as published>`; `: hb` comments as heartbeats' })
  runStream(@Param('id', runIdPipe) id: string, @Req() req: Request, @Res() res: Response) {
    return this.stream(req, res, subjects.runEvents(id), resumeAfter(req) ?? 0);
  }

  @Get('v1/stream')
  @ApiOperation({ summary: 'Live events of every run (SSE). Without Last-Event-ID it starts with the next event' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this stream sequence' })
  @ApiQuery({ name: 'lastEventId', required: false, description: 'the same as Last-Event-ID, for clients that cannot set headers' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'text/event-stream, as for one run' })
  allStream(@Req() req: Request, @Res() res: Response) {
    return this.stream(req, res, subjects.allEvents, resumeAfter(req));
  }

  private async stream(req: Request, res: Response, filter: string, afterSeq: number | undefined) {
    if (this.open.size >= MAX_STREAMS) throw new ApiError('IM_UNAVAILABLE', `this API instance already serves ${MAX_STREAMS} event streams; retry later`, { limit: MAX_STREAMS });
    const consumer = await this.nats.js.consumers.get(STREAMS.events, {
      filterSubjects: filter,
      ...(afterSeq === undefined ? { deliver_policy: DeliverPolicy.New } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 }),
    });
    const messages = await consumer.consume({ max_messages: BUFFER });
    this.open.add(messages);

    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 2000\n\n');

    let closed = false;
    let draining = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      this.open.delete(messages);
      void messages.close().catch(() => undefined);
      res.end();
    };
    req.on('close', close);
    res.on('error', close);
    const heartbeat = setInterval(() => {
      if (!draining && !closed) res.write(': hb\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();

    /** Backpressure: stop pulling from the consumer until the socket has drained. */
    const waitDrain = () => new Promise<boolean>((resolve) => {
      draining = true;
      const done = (ok: boolean) => {
        draining = false;
        clearTimeout(timer);
        res.off('drain', onDrain);
        req.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      const timer = setTimeout(() => done(false), STALLED_CLIENT_MS);
      res.on('drain', onDrain);
      req.on('close', onClose);
    });

    try {
      for await (const m of messages) {
        if (closed) break;
        if (!res.write(frame(m)) && !(await waitDrain())) break;
      }
    } catch {
      /* the consumer failed (NATS gone): end the response; the client reconnects with Last-Event-ID */
    } finally {
      close();
    }
  }
}

/**
 * One SSE frame. No `event:` field: every frame is a plain message whose envelope names its type,
 * so a client's onmessage sees event types added later (e.g. command.received) without knowing
 * them. Multi-line data is split into data: lines, which the client joins back with \n.
 */
export function frame(m: JsMsg): string {
  const data = Buffer.from(m.data).toString('utf8').split(/\r\n|\r|\n/).map((l) => `data: ${l}`).join('\n');
  return `id: ${m.seq}\n${data}\n\n`;
}
