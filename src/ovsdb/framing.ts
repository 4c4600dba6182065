import { OvsdbProtocolError } from './errors.ts';
import type { ReplySplitter } from './replySplitter.ts';

export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;

/**
 * Index of the quote closing a string that goes on at `from` (`escaped`: the
 * previous chunk ended on a backslash); -1 when it runs past the chunk, -2
 * when it does so on a backslash. A plain byte loop: Buffer.indexOf is a
 * native call per string, which costs more than scanning the few bytes of a
 * typical string.
 */
export function stringEnd(chunk: Buffer, from: number, escaped: boolean): number {
  let escape = escaped;
  for (let i = from; i < chunk.length; i++) {
    const b = chunk[i]!;
    if (escape) escape = false;
    else if (b === BACKSLASH) escape = true;
    else if (b === QUOTE) return i;
  }
  return escape ? -2 : -1;
}

/** `stack` with room for a bracket opened at `depth` (doubled when full). */
export function roomFor(stack: Uint8Array<ArrayBuffer>, depth: number): Uint8Array<ArrayBuffer> {
  if (depth < stack.length) return stack;
  const bigger = new Uint8Array(stack.length * 2);
  bigger.set(stack);
  return bigger;
}

/** Whether the closing bracket `c` matches the one opened at `depth`. */
export function closes(stack: Uint8Array, depth: number, c: number): boolean {
  return stack[depth] === (c === CLOSE_BRACE ? OPEN_BRACE : OPEN_BRACKET);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Splits a byte stream of back-to-back JSON objects (ovsdb-server sends no
 * delimiter) into parsed values. Only the object boundaries are found here,
 * by tracking nesting depth and string state across chunks; JSON.parse does
 * the real parsing once a whole object is present, which is much faster than
 * a JS tokenizer on multi-megabyte initial dumps.
 */
export class JsonStreamParser {
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private depth = 0;
  /** Open brackets per depth: a mismatched close is garbage, not something to wait for. */
  private stack = new Uint8Array(64);
  private inString = false;
  private escape = false;
  private readonly maxMessageBytes: number;
  /** While set, messages are framed by it (rows split out as they arrive); see divert(). */
  private splitter: ReplySplitter | undefined;
  /** The splitter in the middle of a message (kept even if divert() changes meanwhile). */
  private active: ReplySplitter | undefined;

  constructor(maxMessageBytes = 1 << 30) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /** True while a message is partially received (a truncated stream at EOF). */
  get pending(): boolean {
    return this.depth > 0 || this.partsBytes > 0 || this.active !== undefined;
  }

  /**
   * From the next message on (never in the middle of one), frames messages
   * with `splitter` until divert(undefined). A message it is already
   * reading is finished by it.
   */
  divert(splitter: ReplySplitter | undefined): void {
    this.splitter = splitter;
  }

  /** Feeds a chunk; calls `onMessage` for every complete object. Throws OvsdbProtocolError on garbage. */
  push(chunk: Buffer, onMessage: (value: unknown) => void): void {
    const n = chunk.length;
    let depth = this.depth;
    let inString = this.inString;
    let escape = this.escape;
    let start = 0;
    let i = 0;
    if (this.active) {
      const end = this.finishDiverted(chunk, 0, onMessage);
      if (end < 0) return;
      i = start = end;
    }
    while (i < n) {
      if (inString) {
        const q = stringEnd(chunk, i, escape);
        escape = q === -2;
        inString = q < 0;
        i = q < 0 ? n : q + 1;
        continue;
      }
      const c = chunk[i]!;
      if (depth === 0) {
        if (isSpace(c)) {
          i++;
          start = i;
          continue;
        }
        if (c === OPEN_BRACE && this.splitter) {
          const end = this.finishDiverted(chunk, i, onMessage);
          if (end < 0) return;
          i = start = end;
          continue;
        }
        if (c !== OPEN_BRACE) {
          this.reset();
          throw new OvsdbProtocolError(`expected '{' at the start of a JSON-RPC message, got ${JSON.stringify(String.fromCharCode(c))}`,
            chunk.subarray(i, i + 64).toString('utf8'));
        }
        start = i;
        depth = 1;
        this.stack[0] = OPEN_BRACE;
        i++;
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.stack = roomFor(this.stack, depth);
        this.stack[depth++] = c;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (!closes(this.stack, depth, c)) {
          const bad = String.fromCharCode(c);
          this.reset();
          throw new OvsdbProtocolError(`mismatched '${bad}' in a JSON-RPC message`, chunk.subarray(Math.max(0, i - 64), i + 1).toString('utf8'));
        }
        if (depth === 0) {
          const end = i + 1;
          let text: string;
          if (this.partsBytes > 0) {
            this.parts.push(chunk.subarray(start, end));
            text = Buffer.concat(this.parts).toString('utf8');
            this.parts = [];
            this.partsBytes = 0;
          } else {
            text = chunk.toString('utf8', start, end);
          }
          start = end;
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (err) {
            this.reset();
            throw new OvsdbProtocolError(`invalid JSON from peer: ${(err as Error).message}`, text.slice(0, 200));
          }
          // Save state first: the callback may throw or re-enter.
          this.depth = 0;
          this.inString = false;
          this.escape = false;
          onMessage(value);
        }
      }
      i++;
    }
    this.depth = depth;
    this.inString = inString;
    this.escape = escape;
    if (depth > 0 && start < n) {
      this.parts.push(chunk.subarray(start));
      this.partsBytes += n - start;
      if (this.partsBytes > this.maxMessageBytes) {
        this.reset();
        throw new OvsdbProtocolError(`JSON-RPC message larger than ${this.maxMessageBytes} bytes`, this.maxMessageBytes);
      }
    }
  }

  /** Lets the splitter read from `from`; -1 while its message goes on past this chunk. */
  private finishDiverted(chunk: Buffer, from: number, onMessage: (value: unknown) => void): number {
    const splitter = this.active ?? this.splitter!;
    let end: number;
    try {
      end = splitter.feed(chunk, from);
    } catch (err) {
      this.reset();
      throw err;
    }
    this.active = end < 0 ? splitter : undefined;
    if (end >= 0) onMessage(splitter.take());
    return end;
  }

  reset(): void {
    this.active = undefined;
    this.parts = [];
    this.partsBytes = 0;
    this.depth = 0;
    this.inString = false;
    this.escape = false;
  }
}
