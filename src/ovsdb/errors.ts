import { MvtepError } from '../util/errors.ts';

/** Base of every error the OVSDB client raises. */
export class OvsdbError extends MvtepError {}

/** The connection could not be made, or it closed under a pending request. */
export class OvsdbConnectionError extends OvsdbError {
  constructor(message: string, remote: string, options?: { cause?: unknown }) {
    super('ovsdb-connection', message, remote, options);
  }
}

/** A request got no reply within its deadline. */
export class OvsdbTimeoutError extends OvsdbError {
  constructor(message: string, input?: unknown) {
    super('ovsdb-timeout', message, input);
  }
}

/** The caller aborted a request through its AbortSignal. */
export class OvsdbCancelledError extends OvsdbError {
  constructor(message: string, input?: unknown) {
    super('ovsdb-cancelled', message, input);
  }
}

/** The peer sent bytes that are not valid JSON-RPC (the connection is dropped). */
export class OvsdbProtocolError extends OvsdbError {
  constructor(message: string, input?: unknown) {
    super('ovsdb-protocol', message, input);
  }
}

/** A JSON-RPC request answered with an error (not transact: see OvsdbTransactionError). */
export class OvsdbRpcError extends OvsdbError {
  /** The JSON-RPC method that failed (get_schema, monitor_cond, ...). */
  readonly method: string;
  /** The server's error member as sent. */
  readonly error: unknown;
  constructor(method: string, error: unknown) {
    super('ovsdb-rpc', `${method} failed: ${describeRpcError(error)}`, { method, error });
    this.method = method;
    this.error = error;
  }
}

/** A value does not fit the schema (wrong type, out of range, unknown column). */
export class OvsdbCodecError extends OvsdbError {
  constructor(message: string, input?: unknown) {
    super('ovsdb-codec', message, input);
  }
}

/** A transact whose operation `index` (or the commit itself) failed. */
export class OvsdbTransactionError extends OvsdbError {
  /** Index of the failing operation; equals ops.length when the commit failed (e.g. a constraint). */
  readonly index: number;
  /** The failing operation as sent (undefined for a commit-time failure). */
  readonly op: unknown;
  /** The server's error string, e.g. "constraint violation". */
  readonly error: string;
  readonly details: string | undefined;
  /** The full result array the server returned. */
  readonly results: readonly unknown[];

  constructor(index: number, op: unknown, error: string, details: string | undefined, results: readonly unknown[]) {
    const opName = op && typeof op === 'object' && 'op' in op ? String((op as { op: unknown }).op) : 'commit';
    const table = op && typeof op === 'object' && 'table' in op ? ` on ${String((op as { table: unknown }).table)}` : '';
    super('ovsdb-transaction',
      `transaction failed at operation ${index} (${opName}${table}): ${error}${details ? `: ${details}` : ''}`,
      { index, op, error, details });
    this.index = index;
    this.op = op;
    this.error = error;
    this.details = details;
    this.results = results;
  }
}

function describeRpcError(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object') {
    const e = error as { error?: unknown; details?: unknown };
    if (typeof e.error === 'string') return typeof e.details === 'string' ? `${e.error}: ${e.details}` : e.error;
  }
  return JSON.stringify(error);
}
