// `mvtep agent` as the DaemonSet runs it: a separate process whose JSON log
// lines on stderr the tests wait on (no sleeps), stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/mvtep.js', import.meta.url));

export type LogLine = Record<string, unknown>;

export class AgentProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private buf = '';

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [BIN, 'agent', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.stderr!.on('data', (b: Buffer) => {
      this.buf += b.toString();
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.lines.push({ msg: 'not json', text: line });
        }
      }
    });
  }

  /** The first log line matching `pred` (already logged or still to come). */
  waitLog(pred: (l: LogLine) => boolean, what: string, timeoutMs = 30_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const found = this.lines.find(pred);
      if (found) return resolve(found);
      const stderr = this.child.stderr!;
      const done = () => {
        clearTimeout(timer);
        stderr.off('data', check);
        this.child.off('exit', onExit);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for log: ${what}\n${this.dump()}`));
      }, timeoutMs);
      const check = () => {
        // After the data handler above has split the chunk into lines.
        setImmediate(() => {
          const f = this.lines.find(pred);
          if (!f) return;
          done();
          resolve(f);
        });
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`agent exited (${String(code)}) before: ${what}\n${this.dump()}`));
      };
      stderr.on('data', check);
      this.child.once('exit', onExit);
    });
  }

  dump(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  /** For after() hooks: nothing may outlive the test. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
