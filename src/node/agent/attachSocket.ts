// The agent's attach socket (`mvtep agent --attach-socket PATH`): CNI ADD/DEL
// requests over a root-only unix socket, written with group commit. The
// first request starts a batch at once; requests that arrive while its
// transaction is in flight wait and go together into the next one (one
// transaction, one next_cfg bump however many pods). Each caller is answered
// once its batch is committed, or, with `wait`, once ovs-vswitchd has applied
// it (cur_cfg >= the batch's next_cfg); a refused request gets its own error
// and never fails the others.
import { createServer, type Server, type Socket } from 'node:net';
import { canConnect } from '../../util/unixSocket.ts';
import { chmod, lstat, mkdtemp, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errorMessage } from '../../util/errors.ts';
import { NodeAttacher, type AttachResult, type BatchItem, type DetachResult } from '../attach.ts';
import { OvsdbClient } from '../../ovsdb/index.ts';
import {
  AgentSocketError, encodeError, MAX_LINE_BYTES, parseRequest, type AgentRequest, type AgentResponse,
} from '../attachWire.ts';
import { silentLog, type AgentLog } from './log.ts';
import { Registry } from 'prom-client';
import { mirroredCounter, scrapedGauge } from './metrics.ts';

export interface AttachSocketOptions {
  readonly path: string;
  readonly attacher: NodeAttacher;
  /** Requests waiting for a batch at most; more are refused with agent-overloaded (default 1024). */
  readonly maxQueue?: number;
  /** Requests per transaction at most (default 1000). */
  readonly maxBatch?: number;
  /** Deadline of a request that names none, and the cap of those that do (default 30 s). */
  readonly maxTimeoutMs?: number;
  readonly log?: AgentLog;
}

export interface AttachSocketStats {
  readonly requests: number;
  readonly batches: number;
  /** OVSDB write transactions (one per batch that writes; more after a batch fell back to one by one). */
  readonly transactions: number;
  readonly largestBatch: number;
  readonly overloaded: number;
  readonly timedOut: number;
  readonly refused: number;
  readonly queued: number;
}

export interface AttachSocketServer {
  readonly path: string;
  readonly stats: AttachSocketStats;
  metrics(): Promise<string>;
  close(): Promise<void>;
}

type Answer = { readonly ok: true; readonly result: AttachResult | DetachResult } | { readonly ok: false; readonly error: unknown };

interface Pending {
  readonly req: AgentRequest;
  readonly reply: (r: AgentResponse) => void;
  readonly timer: NodeJS.Timeout;
  /** performance.now() at which the request's deadline expires. */
  readonly deadline: number;
  state: 'queued' | 'committing' | 'applying' | 'answered';
}

/**
 * Binds PATH atomically with mode 0600: the socket is bound inside a fresh
 * 0700 directory next to PATH, chmod'ed, then renamed over PATH (which also
 * replaces a stale socket in one step). A PATH a live process serves, or
 * that is not a socket, is refused.
 */
async function bindAtomically(server: Server, path: string, log: AgentLog): Promise<number> {
  const st = await lstat(path).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  if (st) {
    if (!st.isSocket()) throw new AgentSocketError('agent-socket-in-use', `--attach-socket ${path} exists and is not a socket; not replacing it`, path);
    if (await canConnect(path)) throw new AgentSocketError('agent-socket-in-use', `--attach-socket ${path} is served by a running process (another agent?)`, path);
    log('warn', 'replacing a stale attach socket', { path });
  }
  const dir = await mkdtemp(join(dirname(path), `.${basename(path).slice(0, 20)}.`));
  const tmp = join(dir, 's');
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(tmp, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (err) {
    server.close();
    await unlink(tmp).catch(() => {});
    throw err;
  } finally {
    await rmdir(dir).catch(() => {});
  }
  return (await stat(path)).ino;
}

/** A request as NodeAttacher.commitBatch takes it (the socket's own fields dropped). */
function toItem(req: AgentRequest): BatchItem {
  if (req.op === 'attach') {
    const { id: _id, op: _op, timeoutMs: _t, ...input } = req;
    return { kind: 'attach', input };
  }
  const { id: _id, op: _op, timeoutMs: _t, ...input } = req;
  return { kind: 'detach', input };
}

class GroupCommitServer implements AttachSocketServer {
  readonly path: string;
  private readonly attacher: NodeAttacher;
  private readonly maxQueue: number;
  private readonly maxBatch: number;
  private readonly maxTimeoutMs: number;
  private readonly log: AgentLog;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private queue: Pending[] = [];
  private readonly open = new Set<Pending>();
  private committing = false;
  private scheduled = false;
  private closed = false;
  private readonly stopping = new AbortController();
  private ino = 0;
  private counters = { requests: 0, batches: 0, transactions: 0, largestBatch: 0, overloaded: 0, timedOut: 0, refused: 0 };

  constructor(opts: AttachSocketOptions) {
    this.path = opts.path;
    this.attacher = opts.attacher;
    this.maxQueue = opts.maxQueue ?? 1024;
    this.maxBatch = opts.maxBatch ?? 1000;
    this.maxTimeoutMs = opts.maxTimeoutMs ?? 30_000;
    this.log = opts.log ?? silentLog;
    this.server = createServer((s) => this.onConnection(s));
  }

  async listen(): Promise<void> {
    this.ino = await bindAtomically(this.server, this.path, this.log);
  }

  get stats(): AttachSocketStats {
    return { ...this.counters, queued: this.queue.length };
  }

  private registry: Registry | undefined;

  /** Prometheus text of the attach socket's series (its own registry). */
  metrics(): Promise<string> {
    if (!this.registry) {
      const r = (this.registry = new Registry());
      const c = () => this.counters;
      mirroredCounter(r, 'mvtep_agent_attach_requests_total', 'attach/detach requests received on the attach socket', () => c().requests);
      mirroredCounter(r, 'mvtep_agent_attach_batches_total', 'group-commit batches', () => c().batches);
      mirroredCounter(r, 'mvtep_agent_attach_transactions_total', 'OVSDB write transactions of the attach socket', () => c().transactions);
      mirroredCounter(r, 'mvtep_agent_attach_overloaded_total', 'requests refused because the queue was full', () => c().overloaded);
      mirroredCounter(r, 'mvtep_agent_attach_timeouts_total', 'requests not answered within their deadline', () => c().timedOut);
      mirroredCounter(r, 'mvtep_agent_attach_refused_total', 'requests answered with an error', () => c().refused);
      scrapedGauge(r, 'mvtep_agent_attach_largest_batch', 'most requests in one batch so far', () => c().largestBatch);
      scrapedGauge(r, 'mvtep_agent_attach_queued', 'requests waiting for the next batch', () => this.queue.length);
    }
    return this.registry.metrics();
  }

  private onConnection(s: Socket): void {
    this.sockets.add(s);
    s.setEncoding('utf8');
    let buf = '';
    const send = (r: AgentResponse) => {
      if (!s.destroyed) s.write(JSON.stringify(r) + '\n');
    };
    s.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim() !== '') this.onLine(line, send, s);
      }
      if (buf.length > MAX_LINE_BYTES) {
        send({ id: null, ok: false, error: encodeError(new AgentSocketError('agent-bad-request', `request line longer than ${MAX_LINE_BYTES} bytes`, buf.length)) });
        s.end();
      }
    });
    s.on('error', () => {});
    s.on('close', () => this.sockets.delete(s));
  }

  private onLine(line: string, send: (r: AgentResponse) => void, s: Socket): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      // Not JSON: nothing to answer an id to, and the stream cannot be trusted further.
      send({ id: null, ok: false, error: encodeError(new AgentSocketError('agent-bad-request', 'request line is not JSON', line.slice(0, 200))) });
      s.end();
      return;
    }
    this.counters.requests++;
    let req: AgentRequest;
    try {
      req = parseRequest(parsed);
    } catch (err) {
      const id = parsed && typeof parsed === 'object' && 'id' in parsed && (typeof parsed.id === 'number' || typeof parsed.id === 'string') ? parsed.id : null;
      this.counters.refused++;
      send({ id, ok: false, error: encodeError(err) });
      return;
    }
    this.enqueue(req, send);
  }

  private enqueue(req: AgentRequest, send: (r: AgentResponse) => void): void {
    const what = `${req.op} ${req.iface ?? req.ifaceId ?? ''}`;
    if (this.closed) {
      send({ id: req.id, ok: false, error: encodeError(new AgentSocketError('agent-closed', `${what}: the agent is stopping`, req.id)) });
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      this.counters.overloaded++;
      this.counters.refused++;
      send({ id: req.id, ok: false, error: encodeError(new AgentSocketError('agent-overloaded',
        `${what}: the agent has ${this.queue.length} requests queued (the most it takes, --attach-queue); retry later`, { queued: this.queue.length })) });
      return;
    }
    const timeoutMs = Math.min(req.timeoutMs ?? this.maxTimeoutMs, this.maxTimeoutMs);
    const p: Pending = {
      req, state: 'queued', deadline: performance.now() + timeoutMs,
      reply: send,
      timer: setTimeout(() => {
        if (p.state === 'answered') return;
        this.counters.timedOut++;
        const where = p.state === 'queued' ? 'still queued' : p.state === 'committing' ? 'its transaction was still in flight' : 'committed, ovs-vswitchd had not applied it yet';
        this.answer(p, { ok: false, error: new AgentSocketError('agent-timeout', `${what}: not done within ${timeoutMs / 1000} s (${where})`, { timeoutMs, state: p.state }) });
      }, timeoutMs),
    };
    this.open.add(p);
    this.queue.push(p);
    this.schedule();
  }

  private answer(p: Pending, r: Answer): void {
    if (p.state === 'answered') return;
    p.state = 'answered';
    clearTimeout(p.timer);
    this.open.delete(p);
    if (r.ok) p.reply({ id: p.req.id, ok: true, result: r.result });
    else {
      this.counters.refused++;
      p.reply({ id: p.req.id, ok: false, error: encodeError(r.error) });
    }
  }

  private schedule(): void {
    if (this.committing || this.scheduled || this.closed) return;
    this.scheduled = true;
    // Within this turn of the event loop, every request already read joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.runBatch();
    });
  }

  private async runBatch(): Promise<void> {
    if (this.committing || this.closed) return;
    this.queue = this.queue.filter((p) => p.state === 'queued');
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.committing = true;
    for (const p of batch) p.state = 'committing';
    this.counters.batches++;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
    const items = batch.map((p) => toItem(p.req));
    let target: number | undefined;
    const waiting: Array<{ p: Pending; result: AttachResult | DetachResult }> = [];
    try {
      const c = await this.attacher.commitBatch(items);
      this.counters.transactions += c.transactions;
      target = c.nextCfg;
      const deferred: Pending[] = [];
      c.outcomes.forEach((o, i) => {
        const p = batch[i]!;
        if (p.state === 'answered') return;
        if (o.kind === 'deferred') {
          p.state = 'queued';
          deferred.push(p);
        } else if (o.kind === 'refused') this.answer(p, { ok: false, error: o.error });
        else if (o.waits && target !== undefined) {
          p.state = 'applying';
          waiting.push({ p, result: o.value });
        } else this.answer(p, { ok: true, result: o.value });
      });
      this.queue.unshift(...deferred);
      this.log('debug', 'attach batch committed', { requests: batch.length, deferred: deferred.length, waiting: waiting.length, nextCfg: target ?? null });
    } catch (err) {
      // The server failed (connection lost, no reply): every request of the batch has that reason.
      this.log('warn', 'attach batch failed', { requests: batch.length, error: errorMessage(err) });
      for (const p of batch) this.answer(p, { ok: false, error: err });
    } finally {
      this.committing = false;
      if (this.queue.length > 0) this.schedule();
    }
    if (waiting.length > 0 && target !== undefined) {
      const applied = target;
      // One cur_cfg waiter per batch; each request's own deadline answers it earlier if need be.
      try {
        // Until just past the last deadline: each request's own timer answers it (naming its state) first.
        const last = Math.max(...waiting.map((w) => w.p.deadline));
        await this.attacher.waitApplied(applied, { timeoutMs: Math.max(1, last - performance.now()) + 100, signal: this.stopping.signal });
        for (const w of waiting) this.answer(w.p, { ok: true, result: { ...w.result, appliedCfg: applied } });
      } catch (err) {
        for (const w of waiting) this.answer(w.p, { ok: false, error: err });
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopping.abort();
    for (const p of [...this.open]) this.answer(p, { ok: false, error: new AgentSocketError('agent-closed', `${p.req.op} ${p.req.iface ?? p.req.ifaceId ?? ''}: the agent stopped`, p.req.id) });
    this.queue = [];
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.end();
    for (const s of this.sockets) s.destroy();
    await closed;
    // Remove the path only if it is still our socket (a newer agent may have taken it over).
    const st = await stat(this.path).catch(() => undefined);
    if (st && st.ino === this.ino) await unlink(this.path).catch(() => {});
  }
}

export interface StartAttachSocketOptions extends Omit<AttachSocketOptions, 'attacher'> {
  /** The node's Open_vSwitch database: its own connection, reconnecting, with its own monitor. */
  readonly ovsdb: string;
  readonly sysfsRoot?: string;
  readonly bridge?: string;
  readonly chassis?: string;
  /** Deadline of the connection and of each OVSDB request. */
  readonly timeoutMs?: number;
}

/** What the agent command runs: a NodeAttacher on its own connection, served at `path`; close() closes both. */
export async function startAttachSocket(opts: StartAttachSocketOptions): Promise<AttachSocketServer> {
  const timeouts = opts.timeoutMs === undefined ? {} : { connectTimeoutMs: opts.timeoutMs, requestTimeoutMs: opts.timeoutMs };
  const client = await OvsdbClient.connect(opts.ovsdb, timeouts);
  let attacher: NodeAttacher | undefined;
  try {
    attacher = await NodeAttacher.open({
      ovsdb: client, ...(opts.sysfsRoot === undefined ? {} : { sysfsRoot: opts.sysfsRoot }), ...(opts.bridge === undefined ? {} : { bridge: opts.bridge }),
      ...(opts.chassis === undefined ? {} : { chassis: opts.chassis }),
    });
    const server = await serveAttachSocket({ ...opts, attacher });
    const a = attacher;
    return {
      path: server.path, metrics: () => server.metrics(),
      get stats() {
        return server.stats;
      },
      close: async () => {
        await server.close();
        a.close();
        client.close();
      },
    };
  } catch (err) {
    attacher?.close();
    client.close();
    throw err;
  }
}

/** Serves the attach socket at `path` (mode 0600); see docs/agent.md for the protocol. */
export async function serveAttachSocket(opts: AttachSocketOptions): Promise<AttachSocketServer> {
  const s = new GroupCommitServer(opts);
  await s.listen();
  return s;
}
