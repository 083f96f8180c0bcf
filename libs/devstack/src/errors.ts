/**
 * Typed errors of the dev stack. Each carries a stable `code` so callers (CLI, test harness,
 * CI) can react to the kind of failure without parsing messages.
 */

/** A server binary (nats-server, postgres, initdb, pg_ctl) is not installed where we look. */
export class MissingBinaryError extends Error {
  readonly code = 'IM_MISSING_BINARY';

  constructor(
    readonly binary: string,
    readonly searched: readonly string[],
    message: string,
  ) {
    super(message);
    this.name = 'MissingBinaryError';
  }
}

/** A private server did not become ready (exited early or timed out); `logTail` says why. */
export class ServerStartError extends Error {
  readonly code = 'IM_SERVER_START_FAILED';

  constructor(
    readonly server: 'nats-server' | 'postgres' | 'initdb',
    readonly logFile: string,
    readonly logTail: string,
    reason: string,
  ) {
    super(`${server} failed to start: ${reason}\n--- last lines of ${logFile} ---\n${logTail}`);
    this.name = 'ServerStartError';
  }
}

/**
 * Postgres refuses to run as root, so as root we run it as the `postgres` user; that user must
 * be able to reach and write the data directory.
 */
export class DataDirAccessError extends Error {
  readonly code = 'IM_DATA_DIR_ACCESS';

  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(message);
    this.name = 'DataDirAccessError';
  }
}

/** Database names are interpolated into DDL, so only plain identifiers are accepted. */
export class InvalidDatabaseNameError extends Error {
  readonly code = 'IM_INVALID_DATABASE_NAME';

  constructor(readonly databaseName: string) {
    super(`invalid database name ${JSON.stringify(databaseName)}: use [A-Za-z_][A-Za-z0-9_]{0,62}`);
    this.name = 'InvalidDatabaseNameError';
  }
}
