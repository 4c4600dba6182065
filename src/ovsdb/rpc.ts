import type { Socket } from 'node:net';
import { JsonStreamParser } from './framing.ts';
import { ReplySplitter, type RowSink } from './replySplitter.ts';
import {
  OvsdbCancelledError, OvsdbConnectionError, OvsdbError, OvsdbProtocolError, OvsdbRpcError, OvsdbTimeoutError,
} from './errors.ts';

export interface RequestOptions {
  /** Reject with OvsdbTimeoutError when no reply came within this many ms. */
  readonly timeoutMs?: number;
  /** Abort the wait (the server may still execute the request; transact sends `cancel`). */
  readonly signal?: AbortSignal;
}

interface Pending {
  readonly method: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
  cleanup(): void;
}

export interface RpcHandlers {
  /** A notification (`id: null`) from the server: update, update2, update3, locked, stolen. */
  onNotification(method: string, params: unknown): void;
  /** The connection ended; `error` says why when it was not a local close(). */
  onClose(error: OvsdbError | undefined): void;
  /** Called for every message received (inactivity probe bookkeeping). */
  onActivity?(): void;
  /** The server probed us with `echo` (already answered). */
  onEcho?(): void;
  /** A whole, well-formed message arrived (the server speaks JSON-RPC). */
  onMessage?(): void;
}

/**
 * JSON-RPC 1.0 over one stream as ovsdb-server speaks it: ids on requests,
 * `id: null` notifications both ways, server-originated `echo` requests
 * answered at once from the data handler.
 */
export class JsonRpcConnection {
  readonly remote: string;
  private readonly socket: Socket;
  private readonly handlers: RpcHandlers;
  private readonly parser = new JsonStreamParser();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private corked = false;

  constructor(socket: Socket, remote: string, handlers: RpcHandlers) {
    this.socket = socket;
    this.remote = remote;
    this.handlers = handlers;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new OvsdbConnectionError(`connection to ${remote} failed: ${err.message}`, remote, { cause: err })));
    socket.on('close', () => {
      const truncated = this.parser.pending;
      this.fail(new OvsdbConnectionError(
        truncated ? `connection to ${remote} closed in the middle of a message` : `connection to ${remote} closed`, remote));
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends a request and resolves with its `result` (rejects with OvsdbRpcError on an `error`). */
  request(method: string, params: unknown[], opts: RequestOptions = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new OvsdbConnectionError(`not connected to ${this.remote}`, this.remote));
    if (opts.signal?.aborted) return Promise.reject(new OvsdbCancelledError(`${method} cancelled before it was sent`, method));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        this.pending.delete(id);
        p.cleanup();
        // Tell the server too: it drops a transact still blocked in a `wait`.
        if (method === 'transact') this.notify('cancel', [id]);
        reject(new OvsdbCancelledError(`${method} cancelled`, method));
      };
      const p: Pending = {
        method,
        resolve,
        reject,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
        },
      };
      if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
        timer = setTimeout(() => {
          this.pending.delete(id);
          p.cleanup();
          if (method === 'transact') this.notify('cancel', [id]);
          reject(new OvsdbTimeoutError(`${describeRequest(method, params)} got no reply from ${this.remote} within ${opts.timeoutMs} ms`,
            { remote: this.remote, method, timeoutMs: opts.timeoutMs }));
        }, opts.timeoutMs);
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, p);
      this.write({ method, params, id });
    });
  }

  /**
   * A request whose reply is a `<table-updates>` (monitor, monitor_cond):
   * its rows go to `sink` while they arrive; resolves with the rest of the
   * result (tables present, rows left out). It must be the only request in
   * flight: another reply with an object of objects as result would be split too.
   */
  requestRows(method: string, params: unknown[], sink: RowSink, opts: RequestOptions = {}): Promise<unknown> {
    if (this.pending.size > 0) {
      return Promise.reject(new OvsdbError('ovsdb-busy', `${method} with streamed rows needs an idle connection (${this.pending.size} requests in flight)`, method));
    }
    const splitter = new ReplySplitter(sink);
    this.parser.divert(splitter);
    const undivert = () => this.parser.divert(undefined);
    return this.request(method, params, opts).finally(undivert);
  }

  notify(method: string, params: unknown[]): void {
    if (!this.closed) this.write({ method, params, id: null });
  }

  /** Closes the stream; pending requests reject with OvsdbConnectionError. */
  close(): void {
    if (this.closed) return;
    this.fail(undefined);
  }

  /** Drops the connection because of `error` (failed probe, inconsistent update). */
  abort(error: OvsdbError): void {
    this.fail(error);
  }

  private write(msg: unknown): void {
    // Coalesce the writes of one tick (pipelined transactions) into one syscall.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(JSON.stringify(msg));
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.handlers.onActivity?.();
    try {
      this.parser.push(chunk, (msg) => this.onMessage(msg));
    } catch (err) {
      this.fail(err instanceof OvsdbError ? err : new OvsdbProtocolError(`bad message from ${this.remote}: ${(err as Error).message}`));
    }
  }

  private onMessage(msg: unknown): void {
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      throw new OvsdbProtocolError('JSON-RPC message is not an object', msg);
    }
    this.handlers.onMessage?.();
    const m = msg as { method?: unknown; params?: unknown; id?: unknown; result?: unknown; error?: unknown };
    if (typeof m.method === 'string') {
      if (m.id === null || m.id === undefined) {
        this.handlers.onNotification(m.method, m.params);
      } else if (m.method === 'echo') {
        this.write({ result: m.params ?? [], error: null, id: m.id });
        this.handlers.onEcho?.();
      } else {
        this.write({ result: null, error: { error: 'unknown method', details: m.method }, id: m.id });
      }
      return;
    }
    if (typeof m.id !== 'number') {
      // Replies to ids we never used (e.g. ovsdb-server's own "echo" id) are ignored.
      if (m.id === undefined) throw new OvsdbProtocolError('JSON-RPC message has neither method nor id', msg);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return; // timed out or cancelled earlier
    this.pending.delete(m.id);
    p.cleanup();
    if (m.error !== null && m.error !== undefined) p.reject(new OvsdbRpcError(p.method, m.error));
    else p.resolve(m.result);
  }

  private fail(error: OvsdbError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const err = error ?? new OvsdbConnectionError(`connection to ${this.remote} closed by the client`, this.remote);
    for (const p of this.pending.values()) {
      p.cleanup();
      p.reject(err);
    }
    this.pending.clear();
    this.handlers.onClose(error);
  }
}

/** "get_schema Open_vSwitch": the method and, when it has one, the database it is about (for timeout messages). */
export function describeRequest(method: string, params: readonly unknown[]): string {
  return typeof params[0] === 'string' && method !== 'echo' ? `${method} ${params[0]}` : method;
}
