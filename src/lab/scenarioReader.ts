import { isIP } from 'node:net';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { ZodTypeAny } from 'zod';
import { shapeIssues } from '../config/schemas.ts';
import { formatIssue, type NodeSpecIssue } from '../config/nodeSpecErrors.ts';
import { MvtepError } from '../util/errors.ts';
import { isDocumentationAddress } from './netaddr.ts';

/** A scenario file that cannot be used: names the file, the key path and the reason. */
export class ScenarioError extends MvtepError {
  readonly file: string;
  readonly path: string;
  readonly reason: string;

  constructor(file: string, path: string, reason: string, value?: unknown, line?: number) {
    const where = line !== undefined ? `${file}:${line}` : file;
    super('scenario-invalid', `${where}: ${path ? `${path}: ` : ''}${reason}`, { file, path, value });
    this.file = file;
    this.path = path;
    this.reason = reason;
  }

  /**
   * One error for every problem of the file: `first` (a rule of the format,
   * or the first shape problem) and the other shape problems the schema
   * found, each with file:line:col.
   */
  static withShape(file: string, first: ScenarioError | undefined, shape: readonly NodeSpecIssue[]): ScenarioError {
    const rest = shape.filter((i) => first === undefined || i.path !== first.path);
    const head = first ?? new ScenarioError(file, rest[0]!.path, rest[0]!.reason, rest[0]!.token, rest[0]!.line);
    const more = first ? rest : rest.slice(1);
    if (more.length === 0) return head;
    const e = new ScenarioError(file, head.path, head.reason, head.input);
    // The message lists them all; path and reason stay the first one's.
    e.message = `${head.message}\n  ${more.map(formatIssue).join('\n  ')}`;
    return e;
  }
}

type Key = string | number;

/**
 * Walks the parsed YAML with the key path in hand, so every complaint can
 * say exactly where it is (and on which line, via the document's ranges).
 */
export class ScenarioReader {
  private readonly doc: Document.Parsed;
  private readonly lines: LineCounter;
  readonly file: string;
  private readonly trackLines: boolean;

  /** `trackLines` false: the value did not come from `text` (run-time input), so no line numbers. */
  constructor(text: string, file: string, trackLines = true) {
    this.file = file;
    this.trackLines = trackLines;
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
    const first = this.doc.errors[0];
    if (first) {
      const line = first.linePos?.[0]?.line;
      throw new ScenarioError(file, '', `not valid YAML: ${first.message.split('\n')[0]}`, undefined, line);
    }
  }

  root(): unknown {
    return this.doc.toJS();
  }

  pathText(path: readonly Key[]): string {
    return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
  }

  private lineOf(path: readonly Key[]): number | undefined {
    if (!this.trackLines) return undefined;
    for (let n = path.length; n >= 0; n--) {
      const node: unknown = this.doc.getIn(path.slice(0, n), true);
      if (node && typeof node === 'object' && 'range' in node) {
        const range = (node as { range?: [number, number, number] }).range;
        if (range) return this.lines.linePos(range[0]).line;
      }
    }
    return undefined;
  }

  /** Every shape problem of the whole file against the zod schema, with line:col. */
  shapeIssues(schema: ZodTypeAny): NodeSpecIssue[] {
    return this.trackLines ? shapeIssues(schema, this.root(), this.file, this.doc, this.lines) : [];
  }

  fail(path: readonly Key[], reason: string, value?: unknown): never {
    throw new ScenarioError(this.file, this.pathText(path), reason, value, this.lineOf(path));
  }

  object(v: unknown, path: readonly Key[], allowed: readonly string[]): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'must be a mapping', v);
    const obj = v as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.fail([...path, k], `unknown key (allowed: ${allowed.join(', ')})`, k);
    }
    return obj;
  }

  list(v: unknown, path: readonly Key[]): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'must be a list', v);
    return v;
  }

  string(v: unknown, path: readonly Key[], pattern?: RegExp, what?: string): string {
    if (typeof v !== 'string' || v === '') this.fail(path, 'must be a non-empty string', v);
    if (pattern && !pattern.test(v)) this.fail(path, `'${v}' is not ${what ?? `matching ${pattern}`}`, v);
    return v;
  }

  optString(v: unknown, path: readonly Key[], pattern?: RegExp, what?: string): string | undefined {
    return v === undefined ? undefined : this.string(v, path, pattern, what);
  }

  int(v: unknown, path: readonly Key[], min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(path, `must be an integer from ${min} to ${max}`, v);
    }
    return v;
  }

  bool(v: unknown, path: readonly Key[], dflt: boolean): boolean {
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') this.fail(path, 'must be true or false', v);
    return v;
  }

  /** An IP address in a documentation range (the lab puts these on real interfaces). */
  docIp(v: unknown, path: readonly Key[]): string {
    const s = this.string(v, path);
    if (isIP(s) === 0) this.fail(path, `'${s}' is not an IP address`, s);
    if (!isDocumentationAddress(s)) {
      this.fail(path, `'${s}' is outside the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32)`, s);
    }
    return s;
  }
}
