import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { SpecIssuesError, type NodeSpecIssue, type SpecPath } from './nodeSpecErrors.ts';
import { IssueSink } from './nodeSpec.ts';
import { ZONES_SCHEMA } from './schemas.ts';

/**
 * The zones file: the OVN zones of an interconnect deployment (one per node
 * in OVN-Kubernetes), each with its NB and SB, optionally the chassis' own
 * OVSDB and netns for node-level checks and `--confirm`. `icNb`/`icSb`: the
 * interconnect databases, when ovn-ic runs. See docs/interconnect.md.
 */
export interface ZoneChassisSpec {
  readonly name: string;
  readonly ovsdb?: string;
  readonly netns?: string;
  /** ovs-vswitchd's control socket (for ofproto/trace), when not the default. */
  readonly vswitchdCtl?: string;
}

export interface ZoneSpec {
  readonly name: string;
  readonly nb: string;
  readonly sb: string;
  readonly chassis: readonly ZoneChassisSpec[];
}

export interface ZonesFile {
  readonly file: string;
  readonly icNb?: string;
  readonly icSb?: string;
  readonly zones: readonly ZoneSpec[];
}

export class ZonesFileError extends SpecIssuesError {
  constructor(issues: readonly NodeSpecIssue[]) {
    super('zones-file-invalid', 'zones file', issues);
  }
}

// OVSDB remotes as OVN's tools take them.
const REMOTE = /^(unix:\S+|(tcp|ssl):(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5})$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function keys(sink: IssueSink, o: Record<string, unknown>, allowed: readonly string[], path: SpecPath): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) sink.add([...path, k], k, `unknown key (allowed: ${allowed.join(', ')})`);
}

function text(sink: IssueSink, v: unknown, path: SpecPath, pattern: RegExp, what: string, required: boolean): string | undefined {
  if (v === undefined || v === null) {
    if (required) sink.add(path, undefined, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || !pattern.test(v)) {
    sink.add(path, v, `must be ${what}`);
    return undefined;
  }
  return v;
}

const remote = (sink: IssueSink, v: unknown, path: SpecPath, required: boolean) =>
  text(sink, v, path, REMOTE, 'an OVSDB remote (unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT)', required);

/** `v` as a mapping with only `allowed` keys (unknown keys are reported), or undefined after reporting why. */
function mapping(sink: IssueSink, v: unknown, path: SpecPath, allowed: readonly string[], what: string): Record<string, unknown> | undefined {
  if (!isRecord(v)) {
    sink.add(path, v, `must be a mapping with ${what}`);
    return undefined;
  }
  keys(sink, v, allowed, path);
  return v;
}

function parseChassis(sink: IssueSink, value: unknown, path: SpecPath): ZoneChassisSpec | undefined {
  const v = mapping(sink, value, path, ['name', 'ovsdb', 'netns', 'vswitchdCtl'], 'name (and optionally ovsdb, netns, vswitchdCtl)');
  if (!v) return undefined;
  const name = text(sink, v['name'], [...path, 'name'], NAME, 'a chassis name', true);
  const ovsdb = remote(sink, v['ovsdb'], [...path, 'ovsdb'], false);
  const netns = text(sink, v['netns'], [...path, 'netns'], /^[A-Za-z0-9_.-]{1,64}$/, 'a network namespace name', false);
  const vswitchdCtl = text(sink, v['vswitchdCtl'], [...path, 'vswitchdCtl'], /^\/\S+$/, 'an absolute path', false);
  if (!name) return undefined;
  return { name, ...(ovsdb ? { ovsdb } : {}), ...(netns ? { netns } : {}), ...(vswitchdCtl ? { vswitchdCtl } : {}) };
}

function parseZone(sink: IssueSink, value: unknown, path: SpecPath): ZoneSpec | undefined {
  const v = mapping(sink, value, path, ['name', 'nb', 'sb', 'chassis'], 'name, nb and sb');
  if (!v) return undefined;
  const name = text(sink, v['name'], [...path, 'name'], NAME, 'a zone name (letters, digits, _ . : -)', true);
  const nb = remote(sink, v['nb'], [...path, 'nb'], true);
  const sb = remote(sink, v['sb'], [...path, 'sb'], true);
  const raw = v['chassis'] ?? [];
  if (!Array.isArray(raw)) sink.add([...path, 'chassis'], raw, 'must be a list');
  const chassis = (Array.isArray(raw) ? raw : []).map((c, i) => parseChassis(sink, c, [...path, 'chassis', i]));
  if (!name || !nb || !sb || chassis.some((c) => !c)) return undefined;
  return { name, nb, sb, chassis: chassis as ZoneChassisSpec[] };
}

/** Parses a zones file; every problem is reported at once, with file:line:col. */
export function parseZonesFile(source: string, file = '<zones>'): ZonesFile {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines });
  const sink = new IssueSink(file, doc, lines);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) sink.add([], '', `YAML: ${e.message.split('\n')[0]}`);
    throw new ZonesFileError(sink.issues);
  }
  const root: unknown = doc.toJS();
  if (!isRecord(root)) throw new ZonesFileError([{ file, path: '(root)', token: '', reason: 'must be a mapping with zones (and optionally icNb, icSb)' }]);
  keys(sink, root, ['icNb', 'icSb', 'zones'], []);
  const icNb = remote(sink, root['icNb'], ['icNb'], false);
  const icSb = remote(sink, root['icSb'], ['icSb'], false);
  const raw = root['zones'];
  if (raw !== undefined && !Array.isArray(raw)) sink.add(['zones'], raw, 'must be a list');
  const list = Array.isArray(raw) ? raw : [];
  if (list.length === 0 && !icSb && raw !== undefined) sink.add(['zones'], '', 'lists no zone (and no icSb to discover them from)');
  if (raw === undefined && !icSb) sink.add(['zones'], undefined, 'is required unless icSb is given (zones are then discovered)');
  const zones = list.map((z, i) => parseZone(sink, z, ['zones', i]));
  const seen = new Map<string, number>();
  list.forEach((z, i) => {
    const name = isRecord(z) && typeof z['name'] === 'string' ? z['name'] : undefined;
    if (name === undefined) return;
    const prev = seen.get(name);
    if (prev !== undefined) sink.add(['zones', i, 'name'], name, `duplicate zone (also zones[${prev}])`);
    seen.set(name, i);
  });
  sink.addShape(ZONES_SCHEMA, root);
  if (sink.issues.length > 0) throw new ZonesFileError(sink.issues);
  return { file, ...(icNb ? { icNb } : {}), ...(icSb ? { icSb } : {}), zones: zones as ZoneSpec[] };
}

export async function loadZonesFile(path: string): Promise<ZonesFile> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (err) {
    throw new ZonesFileError([{ file: path, path: '(file)', token: path, reason: `cannot read: ${(err as Error).message}` }]);
  }
  return parseZonesFile(source, path);
}
