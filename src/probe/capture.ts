import { spawn, type ChildProcess } from 'node:child_process';
import { MvtepError } from '../util/errors.ts';

/**
 * One tcpdump on one netdev (a PF), writing pcap to stdout (`-w -`, packet
 * buffered) for the probe to decode. Bounded by packet count (`-c`) and by
 * time (a timer that ends it), and always ended by its PID: stop() sends
 * SIGTERM, then SIGKILL, and resolves once the process is gone; a capture
 * still running when this process exits, or gets SIGINT/SIGTERM/SIGHUP, is
 * killed too (the signal then takes its usual course).
 */

export class CaptureError extends MvtepError {}

export type CaptureDirection = 'in' | 'out' | 'inout';

export interface CaptureSpec {
  /** Network namespace of the device (lab chassis); absent: this one. */
  readonly netns?: string;
  readonly device: string;
  /** tcpdump -Q: frames received by, sent by, or both through the device. */
  readonly direction: CaptureDirection;
  /** A pcap-filter expression (one argv word). */
  readonly filter: string;
  /** tcpdump -c: it exits after this many frames. */
  readonly maxPackets: number;
  /** It is ended after this long whatever happens. */
  readonly maxMs: number;
  /** The tcpdump program (default `tcpdump` from PATH). */
  readonly tcpdump?: string;
}

/** The tcpdump argv of a capture (no shell): Ethernet headers with the VLAN tag, pcap on stdout. */
export function captureArgv(spec: CaptureSpec): string[] {
  return [
    ...(spec.netns ? ['ip', 'netns', 'exec', spec.netns] : []),
    spec.tcpdump ?? 'tcpdump', '-e', '-n', '-U', '--immediate-mode', '-Q', spec.direction, '-i', spec.device,
    '-c', String(spec.maxPackets), '-w', '-', spec.filter,
  ];
}

const live = new Set<ChildProcess>();
let exitHook = false;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function killLeftovers(): void {
  for (const c of live) if (c.pid !== undefined) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* already gone */ } }
}

/** A signal while captures run: end them, then let the signal do what it would have done. */
function onSignal(sig: NodeJS.Signals): void {
  killLeftovers();
  for (const s of SIGNALS) process.off(s, onSignal);
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

function track(child: ChildProcess): void {
  if (live.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  live.add(child);
  if (!exitHook) {
    process.once('exit', killLeftovers);
    exitHook = true;
  }
}

function untrack(child: ChildProcess): void {
  if (!live.delete(child)) return;
  if (live.size === 0) for (const s of SIGNALS) process.off(s, onSignal);
}

export class Capture {
  readonly spec: CaptureSpec;
  readonly pid: number;
  private readonly chunks: Buffer[] = [];
  private stderrText = '';
  private readonly exited: Promise<void>;
  private exitCode: number | null = null;
  private timer: NodeJS.Timeout;
  /** Set when the time bound (maxMs) ended the capture. */
  timedOut = false;

  private constructor(spec: CaptureSpec, private readonly child: ChildProcess) {
    this.spec = spec;
    this.pid = child.pid!;
    child.stdout!.on('data', (b: Buffer) => this.chunks.push(b));
    child.stderr!.on('data', (b: Buffer) => { this.stderrText += b.toString('utf8'); });
    this.exited = new Promise((resolve) => child.once('close', (code) => {
      this.exitCode = code;
      untrack(child);
      clearTimeout(this.timer);
      resolve();
    }));
    this.timer = setTimeout(() => { this.timedOut = true; this.signal('SIGTERM'); }, spec.maxMs);
  }

  /** Starts tcpdump and resolves once it listens on the device (its "listening on" line), within `readyMs`. */
  static async start(spec: CaptureSpec, readyMs: number): Promise<Capture> {
    const argv = captureArgv(spec);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (e) => resolve(e));
    });
    if (spawned) {
      throw new CaptureError('probe-capture-failed', `cannot run ${argv[0]}: ${spawned.message}`, argv, { cause: spawned });
    }
    track(child);
    const cap = new Capture(spec, child);
    const where = `${spec.device}${spec.netns ? ` in netns ${spec.netns}` : ''}`;
    const ready = await new Promise<'ready' | 'exited' | 'timeout'>((resolve) => {
      const check = () => { if (/listening on /.test(cap.stderrText)) done('ready'); };
      const t = setTimeout(() => done('timeout'), readyMs);
      const done = (r: 'ready' | 'exited' | 'timeout') => {
        clearTimeout(t);
        child.stderr!.off('data', check);
        resolve(r);
      };
      child.stderr!.on('data', check);
      void cap.exited.then(() => done('exited'));
      check();
    });
    if (ready === 'ready') return cap;
    await cap.stop();
    const why = ready === 'timeout' ? `did not start listening within ${readyMs} ms` : `exited ${cap.exitCode ?? '?'}`;
    throw new CaptureError('probe-capture-failed', `tcpdump on ${where} ${why}: ${cap.stderr.trim() || 'no output'}`, argv);
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.exitCode !== null || !live.has(this.child)) return;
    try { process.kill(this.pid, sig); } catch { /* already gone */ }
  }

  /** The pcap bytes written so far. */
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Whether tcpdump has exited (its packet count reached, or stopped). */
  get done(): boolean {
    return this.exitCode !== null;
  }

  /** Ends the capture by its PID (SIGTERM, SIGKILL after `graceMs`) and resolves with all it wrote. */
  async stop(graceMs = 1000): Promise<Uint8Array> {
    this.signal('SIGTERM');
    const kill = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(kill);
    }
    return this.bytes();
  }
}
