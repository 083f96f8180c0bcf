/**
 * Errors of the read-model layer, each with a stable code (STYLE E7) so callers, logs and the CLI
 * can tell them apart without matching messages.
 */
export abstract class PersistenceError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * An event that passed its schema but cannot be projected (a handler threw, or Postgres refused the
 * row: a value out of range, a broken constraint). Projection stops at it rather than skipping it,
 * because skipping a valid event would silently make the read models disagree with the stream.
 */
export class PoisonEventError extends PersistenceError {
  readonly code = 'IM_POISON_EVENT';
  constructor(
    readonly seq: number,
    readonly eventId: string | undefined,
    readonly type: string | undefined,
    readonly projection: string | undefined,
    readonly reason: string,
  ) {
    super(`event at stream seq ${seq}${type ? ` (${type}${eventId ? ` ${eventId}` : ''})` : ''} cannot be projected${projection ? ` by ${projection}` : ''}: ${reason}`);
  }
}

/**
 * The stream no longer contains what the read models were built from: the checkpoint is past the
 * stream's end, or the message at the checkpoint's sequence is another one (the stream was deleted
 * and recreated, or restored from an older backup). Projecting on would skip or mix events.
 */
export class StreamRegressedError extends PersistenceError {
  readonly code = 'IM_STREAM_REGRESSED';
  constructor(
    readonly projection: string,
    readonly checkpointSeq: number,
    readonly streamLastSeq: number,
    readonly detail: string,
  ) {
    super(`stream went backwards for projection ${projection}: checkpoint at seq ${checkpointSeq}, stream ends at ${streamLastSeq}; ${detail}. Rebuild the read models from the current stream with: ideamine replay`);
  }
}

export class UnknownProjectionError extends PersistenceError {
  readonly code = 'IM_UNKNOWN_PROJECTION';
  constructor(readonly requested: string, readonly known: readonly string[]) {
    super(`no read model named "${requested}"; known: ${known.join(', ')}`);
  }
}

export class ReplayInProgressError extends PersistenceError {
  readonly code = 'IM_REPLAY_RUNNING';
  constructor() {
    super('another replay holds the replay lock on this database; wait for it to finish (or stop it) and run again');
  }
}

export class ReplayAbortedError extends PersistenceError {
  readonly code = 'IM_REPLAY_ABORTED';
  constructor(readonly seq: number) {
    super(`replay interrupted after stream seq ${seq}; run it again to resume from there`);
  }
}

export class InvalidCursorError extends PersistenceError {
  readonly code = 'IM_INVALID_CURSOR';
  constructor(readonly cursor: string, readonly why: string) {
    super(`cursor "${cursor.slice(0, 80)}" is not valid: ${why}; pass back the nextCursor of a previous page, or omit it to start at the beginning`);
  }
}

export class InvalidSchemaNameError extends PersistenceError {
  readonly code = 'IM_INVALID_SCHEMA_NAME';
  constructor(readonly schema: string) {
    super(`invalid schema name "${schema}": lower-case letters, digits and _ only`);
  }
}
