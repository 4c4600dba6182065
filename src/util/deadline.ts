import { MvtepError } from './errors.ts';

/** A whole operation (a command, an agent's start) did not finish within its budget. */
export class DeadlineError extends MvtepError {
  constructor(message: string, input?: unknown) {
    super('timeout', message, input);
  }
}

/**
 * One budget shared by the sequential steps of an operation: each step gets
 * what is left, so `--timeout 3` bounds the whole command and not each of
 * its requests.
 */
export class Deadline {
  readonly totalMs: number;
  private readonly end: number;

  constructor(totalMs: number) {
    this.totalMs = totalMs;
    this.end = Date.now() + totalMs;
  }

  /** Milliseconds left, at least 1 (a spent budget still lets the next step fail fast with its own message). */
  remainingMs(): number {
    return Math.max(1, this.end - Date.now());
  }
}

/**
 * `work`, or DeadlineError once `ms` passed. A backstop: the steps inside
 * carry their own (shorter) deadlines and normally fail first, naming the
 * remote and request; this one only guarantees the bound.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what} timed out: not done within ${ms / 1000} s`, { timeoutMs: ms })), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
