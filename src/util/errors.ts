/**
 * Base of every error mvtep raises on purpose. `code` is stable (tests and
 * `--json` output match on it); `input` carries the offending value so the
 * caller can show exactly what was wrong.
 */
export class MvtepError extends Error {
  readonly code: string;
  readonly input: unknown;

  constructor(code: string, message: string, input?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.input = input;
  }

  toJSON(): { code: string; message: string; input?: unknown } {
    return this.input === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, input: this.input };
  }
}

/** Bad command-line usage: the CLI exits 2 for these. */
export class UsageError extends MvtepError {
  constructor(message: string, input?: unknown) {
    super('usage', message, input);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
