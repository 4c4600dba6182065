import { OvsdbProtocolError } from './errors.ts';
import { CLOSE_BRACE, CLOSE_BRACKET, closes, OPEN_BRACE, OPEN_BRACKET, QUOTE, roomFor, stringEnd } from './framing.ts';

/** Receives the rows of a `<table-updates>` reply one at a time. */
export interface RowSink {
  /** One row update (`{"initial": {...}}` or `{"new": {...}}`) as its JSON text. */
  row(table: string, uuid: string, json: string): void;
}

/**
 * Frames one JSON-RPC message like JsonStreamParser, but hands every value
 * at `result.<table>.<uuid>` (a monitor reply's row updates) to a sink as
 * it arrives instead of keeping it: a 100k-row initial dump is never one
 * string nor one parsed tree. What is left (`{"id":..,"result":{"T":{}},..}`)
 * is parsed as the message. Keys are found without a tokenizer: the last
 * string seen at a depth before a `{` opens the next depth is that value's key.
 */
export class ReplySplitter {
  private readonly sink: RowSink;
  private depth = 0;
  private stack = new Uint8Array(16);
  private inString = false;
  private escape = false;
  /** Start of the string being read at depth <= 3 (-1: none or it began in an earlier chunk). */
  private strStart = -1;
  private strParts: Buffer[] = [];
  private readonly lastString: string[] = ['', '', '', ''];
  private inResult = false;
  private table: string | undefined;
  private uuid = '';
  private rowStart = -1;
  private rowParts: Buffer[] = [];
  private inRow = false;
  private skeleton: Buffer[] = [];
  private skipping = false;

  constructor(sink: RowSink) {
    this.sink = sink;
  }

  /**
   * Feeds `chunk` from `from` (the first call: the message's `{`). Returns
   * the index just past the message's end, or -1 when it continues in the
   * next chunk (feed that from 0). After a non-negative return, `take()`.
   */
  feed(chunk: Buffer, from: number): number {
    const n = chunk.length;
    let depth = this.depth;
    let inString = this.inString;
    let escape = this.escape;
    let skelStart = this.skipping ? -1 : from;
    if (this.inRow) this.rowStart = from;
    if (this.strStart === -2) this.strStart = from;
    let i = from;
    for (; i < n; i++) {
      if (inString) {
        const q = stringEnd(chunk, i, escape);
        escape = q === -2;
        if (q < 0) {
          i = n;
          continue;
        }
        inString = false;
        if (depth <= 3) this.endString(chunk, q + 1, depth);
        i = q;
        continue;
      }
      const c = chunk[i]!;
      if (c === QUOTE) {
        inString = true;
        if (depth <= 3) this.strStart = i;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (depth === 0 && c !== OPEN_BRACE) throw new OvsdbProtocolError('expected \'{\' at the start of a JSON-RPC message', String.fromCharCode(c));
        if (c === OPEN_BRACE) {
          if (depth === 1 && this.lastString[1] === 'result') this.inResult = true;
          else if (depth === 2 && this.inResult) {
            this.table = this.lastString[2];
            // The table's rows go to the sink; the skeleton keeps `{}` for it.
            this.skeleton.push(chunk.subarray(skelStart, i + 1));
            skelStart = -1;
            this.skipping = true;
          }
        }
        if (depth === 3 && this.table !== undefined) {
          this.uuid = this.lastString[3]!;
          this.rowStart = i;
          this.inRow = true;
        }
        this.stack = roomFor(this.stack, depth);
        this.stack[depth++] = c;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth < 0 || !closes(this.stack, depth, c)) {
          throw new OvsdbProtocolError(`mismatched '${String.fromCharCode(c)}' in a JSON-RPC message`, chunk.subarray(Math.max(0, i - 64), i + 1).toString('utf8'));
        }
        if (depth === 3 && this.inRow) {
          this.inRow = false;
          const text = this.rowParts.length > 0 ? Buffer.concat([...this.rowParts, chunk.subarray(this.rowStart, i + 1)]).toString('utf8') : chunk.toString('utf8', this.rowStart, i + 1);
          this.rowParts = [];
          this.sink.row(this.table!, this.uuid, text);
        } else if (depth === 2 && this.table !== undefined) {
          this.table = undefined;
          this.skipping = false;
          skelStart = i;
        } else if (depth === 1) {
          this.inResult = false;
        } else if (depth === 0) {
          this.skeleton.push(chunk.subarray(skelStart, i + 1));
          this.depth = 0;
          this.inString = false;
          this.escape = false;
          return i + 1;
        }
      }
    }
    // The message goes on in the next chunk: keep what this one holds of it.
    if (skelStart >= 0) this.skeleton.push(chunk.subarray(skelStart));
    if (this.inRow) this.rowParts.push(chunk.subarray(this.rowStart));
    if (inString && depth <= 3 && this.strStart >= 0) {
      this.strParts.push(chunk.subarray(this.strStart));
      this.strStart = -2;
    }
    this.depth = depth;
    this.inString = inString;
    this.escape = escape;
    return -1;
  }

  /** The message without its rows, parsed; resets for the next message. */
  take(): unknown {
    const text = Buffer.concat(this.skeleton).toString('utf8');
    this.skeleton = [];
    this.inResult = false;
    this.lastString.fill('');
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new OvsdbProtocolError(`invalid JSON from peer: ${(err as Error).message}`, text.slice(0, 200));
    }
  }

  private endString(chunk: Buffer, end: number, depth: number): void {
    let raw: string;
    if (this.strParts.length > 0) {
      raw = Buffer.concat([...this.strParts, chunk.subarray(0, end)]).toString('utf8');
      this.strParts = [];
    } else {
      raw = chunk.toString('utf8', this.strStart, end);
    }
    this.strStart = -1;
    // Keys and UUIDs rarely hold escapes: decode only those that do.
    this.lastString[depth] = raw.includes('\\') ? JSON.parse(raw) as string : raw.slice(1, -1);
  }
}
