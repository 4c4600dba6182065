import { MvtepError } from '../util/errors.ts';

export type SpecPath = readonly (string | number)[];

/** One rejected value in a node spec: where it is, what it was, why it is wrong. */
export interface NodeSpecIssue {
  readonly file: string;
  /** e.g. `nics[1].ip` */
  readonly path: string;
  /** The offending value as written (stringified), or '' when a key is missing. */
  readonly token: string;
  readonly reason: string;
  readonly line?: number;
  readonly column?: number;
}

export function formatPath(path: SpecPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out === '' ? '(root)' : out;
}

export function formatIssue(i: NodeSpecIssue): string {
  const where = i.line !== undefined ? `${i.file}:${i.line}:${i.column ?? 1}` : i.file;
  const token = i.token === '' ? '' : ` ${JSON.stringify(i.token)}`;
  return `${where}: ${i.path}${token}: ${i.reason}`;
}

/** One issue as its own line; several as "N problems in <what>:" and one indented line each. */
function issuesMessage(issues: readonly NodeSpecIssue[], what: string): string {
  const lines = issues.map(formatIssue);
  return issues.length === 1 ? lines[0]! : `${issues.length} problems in ${what}:\n  ${lines.join('\n  ')}`;
}

/** An input file that cannot be used; lists every problem found, not only the first. */
export abstract class SpecIssuesError extends MvtepError {
  readonly issues: readonly NodeSpecIssue[];
  declare readonly input: readonly NodeSpecIssue[];

  /** `what` names the file's kind in the message ("3 problems in node spec"). */
  protected constructor(code: string, what: string, issues: readonly NodeSpecIssue[]) {
    super(code, issuesMessage(issues, what), issues);
    this.issues = issues;
  }
}

export class NodeSpecError extends SpecIssuesError {
  constructor(issues: readonly NodeSpecIssue[]) {
    super('node-spec-invalid', 'node spec', issues);
  }
}
