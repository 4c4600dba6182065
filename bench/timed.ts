import { spawn } from 'node:child_process';

export interface Timed { readonly seconds: number; readonly maxRssKb: number; readonly code: number; readonly stdoutBytes: number }

/** Runs argv under /usr/bin/time, returning wall seconds and peak RSS (children included). */
export function timed(argv: string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %M', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = 0;
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.length));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = err.trim().split('\n').at(-1) ?? '';
      const [s, kb] = last.split(' ').map(Number);
      if (s === undefined || kb === undefined || Number.isNaN(s)) reject(new Error(`no timing in: ${err}`));
      else resolve({ seconds: s, maxRssKb: kb, code: code ?? -1, stdoutBytes: out });
    });
  });
}

/** The median run by wall time. */
export function median(xs: readonly Timed[]): Timed {
  return [...xs].sort((a, b) => a.seconds - b.seconds)[Math.floor(xs.length / 2)]!;
}
