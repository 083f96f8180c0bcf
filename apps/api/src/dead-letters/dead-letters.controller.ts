import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { headers as natsHeaders, StoredMsg } from 'nats';
import { HEADERS, STREAMS } from '@ideamine/contracts';
import { NatsResources, readStream } from '@ideamine/jetstream';
import { NATS } from '@ideamine/service-kit';
import { ApiError, badRequest, notFound } from '../errors/api-error';
import { ApiCommonErrors, decodeCursor, encodeCursor, isSeq } from '../pagination';
import { DeadLetterQuery } from '../runs/runs.dto';
import { DeadLetterPage, ErrorResponse, Redriven } from '../openapi/schemas';

const BODY_PREVIEW = 4096;
/**
 * Only commands the API itself may send are redriven: a dead-lettered event is already a fact in
 * IM_EVENTS, and worker tasks and timers have their own senders (a task is retried with
 * POST /v1/runs/:id/tasks/:taskId/retry, which the scheduler turns into a new attempt).
 */
/** Only what the api itself may send goes back: submits and dossier compiles (commands for deciders travel in the log). */
const redrivable = (subject: string) => subject === 'im.cmd.planner.submit-run' || subject === 'im.cmd.dossier.compile-dossier';

/** The dead-letter queue (IM_DLQ): what was refused, by whom and why; redrive for commands. */
@ApiTags('dead-letters')
@ApiBearerAuth()
@ApiCommonErrors()
@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(@Inject(NATS) private readonly nats: NatsResources) {}

  @Get()
  @ApiOperation({ summary: 'Dead letters, oldest first; cursor-paginated' })
  @ApiOkResponse({ type: DeadLetterPage })
  async list(@Query() q: DeadLetterQuery) {
    const limit = q.limit ?? 50;
    const after = decodeCursor('dead-letters', q.cursor, isSeq) ?? 0;
    const out = [];
    let more = false;
    for await (const m of readStream(this.nats.js, STREAMS.deadLetters, { fromSeq: after + 1 })) {
      if (out.length === limit) {
        more = true;
        break;
      }
      const h = m.headers;
      const sourceSubject = h?.get(HEADERS.dlqSubject) ?? '';
      out.push({
        seq: m.seq, subject: m.subject, reason: h?.get(HEADERS.dlqReason) ?? '', sourceStream: h?.get(HEADERS.dlqStream) ?? '',
        sourceSeq: h?.get(HEADERS.dlqSeq) ?? '', sourceSubject, consumer: h?.get(HEADERS.dlqConsumer) ?? '',
        at: new Date(Math.floor(m.info.timestampNanos / 1e6)).toISOString(),
        body: Buffer.from(m.data).subarray(0, BODY_PREVIEW).toString('utf8'), redrivable: redrivable(sourceSubject),
      });
    }
    return { deadLetters: out, nextCursor: more ? encodeCursor('dead-letters', out[out.length - 1].seq) : null };
  }

  @Post(':seq/redrive')
  @HttpCode(200)
  @ApiParam({ name: 'seq', description: 'sequence of the dead letter in IM_DLQ' })
  @ApiOperation({ summary: 'Resend a dead-lettered command to its original subject and remove it from the queue' })
  @ApiOkResponse({ type: Redriven })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'not a command the API sends (events and worker tasks are not redriven)' })
  async redrive(@Param('seq') rawSeq: string) {
    if (!/^\d{1,15}$/.test(rawSeq) || Number(rawSeq) < 1) throw badRequest('seq must be a positive stream sequence', [{ field: 'seq', reason: 'not a positive integer' }]);
    const seq = Number(rawSeq);
    const jsm = await this.nats.nc.jetstreamManager();
    let msg: StoredMsg;
    try {
      msg = await jsm.streams.getMessage(STREAMS.deadLetters, { seq });
    } catch (err) {
      if (/no message found|not found/i.test(String((err as Error).message))) throw notFound(`dead letter #${seq}`);
      throw err;
    }
    const subject = msg.header.get(HEADERS.dlqSubject);
    if (!subject || !redrivable(subject)) {
      throw new ApiError('IM_CONFLICT', `dead letter #${seq} came from ${subject || 'an unknown subject'}: only commands to the planner, gatekeeper, scheduler or dossier are redriven; a refused event stays a fact in IM_EVENTS (fix its consumer, then replay), and a worker task is retried with POST /v1/runs/<id>/tasks/<taskId>/retry`, { subject });
    }
    const h = natsHeaders();
    for (const [k, v] of msg.header) if (!k.startsWith('Nats-') && !k.startsWith('Im-Dlq-')) for (const x of v) h.append(k, x);
    // Deduplicated per dead letter: a retried redrive request does not resend twice.
    const ack = await this.nats.js.publish(subject, msg.data, { msgID: `redrive-${seq}`, headers: h });
    await jsm.streams.deleteMessage(STREAMS.deadLetters, seq, false).catch(() => undefined);
    return { redriven: true, subject, seq: ack.seq };
  }
}
