import { run } from './exec.ts';
import type { OvnRuntime, RuntimeProgram } from './runtime.ts';

/** An OVSDB cell decoded from `--format=json` output: uuids as strings, sets as arrays, maps as records. */
export type Cell = string | number | boolean | Cell[] | Record<string, string>;
export type Row = Record<string, Cell>;

function decode(v: unknown): Cell {
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string') {
    const [tag, body] = v as [string, unknown];
    if (tag === 'uuid' || tag === 'named-uuid') return String(body);
    if (tag === 'set') return (body as unknown[]).map(decode);
    if (tag === 'map') {
      const out: Record<string, string> = {};
      for (const [k, val] of body as [unknown, unknown][]) out[String(decode(k))] = String(decode(val));
      return out;
    }
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

/** Parses the `{"headings": [...], "data": [[...]]}` table the OVS/OVN ctl tools print with --format=json. */
export function parseTable(text: string): Row[] {
  const t = JSON.parse(text) as { headings: string[]; data: unknown[][] };
  return t.data.map((cells) => Object.fromEntries(t.headings.map((h, i) => [h, decode(cells[i])])));
}

export function mapCell(row: Row, column: string): Record<string, string> {
  const v = row[column];
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

/** A 0..1 reference column: the uuid, or undefined for an empty set. */
export function optionalRef(row: Row, column: string): string | undefined {
  const v = row[column];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

export function numberCell(row: Row, column: string): number | undefined {
  const v = row[column];
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return undefined;
}

export function boolCell(row: Row, column: string): boolean | undefined {
  const v = row[column];
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v) && typeof v[0] === 'boolean') return v[0];
  return undefined;
}

/**
 * The OVS/OVN command-line tools, each pointed at an explicit database or
 * control socket (never at the system defaults: other OVN instances run on
 * this machine).
 */
export class LabTools {
  constructor(readonly runtime: OvnRuntime, private readonly env: NodeJS.ProcessEnv) {}

  async exec(program: RuntimeProgram, args: readonly string[], timeoutMs = 60_000): Promise<string> {
    const r = await run([...this.runtime.argv(program), ...args], { env: this.env, timeoutMs });
    return r.stdout;
  }

  vsctl(db: string, args: readonly string[], opts: { noWait?: boolean } = {}): Promise<string> {
    return this.exec('ovs-vsctl', [`--db=${db}`, '--timeout=30', ...(opts.noWait ? ['--no-wait'] : []), ...args]);
  }

  nbctl(db: string, args: readonly string[]): Promise<string> {
    return this.exec('ovn-nbctl', [`--db=${db}`, '--timeout=30', ...args]);
  }

  sbctl(db: string, args: readonly string[]): Promise<string> {
    return this.exec('ovn-sbctl', [`--db=${db}`, '--timeout=30', ...args]);
  }

  appctl(ctl: string, args: readonly string[]): Promise<string> {
    return this.exec('ovs-appctl', ['-t', ctl, '--timeout=30', ...args]);
  }

  /** Rows of `table` matching `conditions` (ovs-vsctl/ovn-*ctl `find` syntax). */
  async find(tool: 'ovs-vsctl' | 'ovn-sbctl' | 'ovn-nbctl', db: string, table: string, columns: readonly string[],
    conditions: readonly string[] = []): Promise<Row[]> {
    const args = ['--format=json', `--columns=${columns.join(',')}`, 'find', table, ...conditions];
    const out = tool === 'ovs-vsctl' ? await this.vsctl(db, args, { noWait: true })
      : tool === 'ovn-sbctl' ? await this.sbctl(db, args) : await this.nbctl(db, args);
    return parseTable(out);
  }
}

/** Environment for the tools: no daemon mode, no system default sockets. */
export function toolEnv(runDir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  delete env['OVN_NB_DAEMON'];
  delete env['OVN_SB_DAEMON'];
  for (const k of ['OVS_RUNDIR', 'OVS_LOGDIR', 'OVS_DBDIR', 'OVS_SYSCONFDIR', 'OVN_RUNDIR', 'OVN_LOGDIR', 'OVN_DBDIR', 'OVN_SYSCONFDIR']) {
    env[k] = runDir;
  }
  return env;
}
