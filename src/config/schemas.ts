import { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { isNode, type Document, type LineCounter } from 'yaml';
import type { NodeSpecIssue, SpecPath } from './nodeSpecErrors.ts';
import { formatPath } from './nodeSpecErrors.ts';

/*
 * The one structural validator of mvtep's three YAML formats (node spec, lab
 * scenario, zones file): keys, types, ranges and enums as zod schemas, so
 * every file reports every shape problem at once with file:line:col, and the
 * same schemas are published as JSON Schema for editors (`mvtep schema`).
 * Cross-field rules (gateway in a subnet, unique names, pods on known
 * chassis) stay with each format's parser, which runs once the shape holds.
 */

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const text = z.string().min(1);
const ifname = z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, 'a Linux interface name (at most 15 of A-Z a-z 0-9 _ . -)');
const remote = z.string().regex(/^(unix:\S+|(tcp|ssl):(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5})$/, 'an OVSDB remote (unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT)');

const nodeSpecNic = z.object({
  pf: ifname, bridge: ifname.optional(), vtep: ifname, ip: text.describe('the VTEP address with its prefix, e.g. 192.0.2.1/24'),
  vlan: int(1, 4094).optional(), table: int(1, 4294967295).optional(), priority: int(1, 32765).optional(),
  class: z.string().optional(), mtu: int(576, 65535).optional(), gateway: text.optional(),
}).strict();

export const NODE_SPEC_SCHEMA = z.object({
  node: text.optional().describe('chassis name, written as system-id'),
  encapType: text.optional(),
  defaultVtep: ifname.optional(),
  overlayMtu: int(576, 65000).optional(),
  datapathType: z.enum(['system', 'netdev']).optional(),
  routing: z.object({
    supernets: z.array(text).optional(),
    gateway: z.union([text, z.array(text)]).optional(),
  }).strict().optional(),
  nics: z.array(nodeSpecNic).min(1),
}).strict().describe('mvtep node spec (docs/underlay.md)');

const zoneChassis = z.object({
  name: text, ovsdb: remote.optional(), netns: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
  vswitchdCtl: z.string().regex(/^\/\S+$/, 'an absolute path').optional(),
}).strict();

export const ZONES_SCHEMA = z.object({
  icNb: remote.optional(),
  icSb: remote.optional(),
  zones: z.array(z.object({ name: text, nb: remote, sb: remote, chassis: z.array(zoneChassis).optional() }).strict()).optional(),
}).strict().describe('mvtep zones file (docs/lab.md, verify --zones, ic steer)');

const scenarioNic = z.object({
  pf: text, pci: text.optional(), purpose: z.string().optional(), vtep: text.optional(),
  totalVfs: int(1, 64).optional(), numVfs: int(0, 64).optional(),
}).strict();

export const LAB_SCENARIO_SCHEMA = z.object({
  name: text,
  encapType: z.enum(['geneve', 'vxlan']).optional(),
  datapath: z.enum(['dummy', 'netdev']).optional(),
  fabric: z.object({ gateway: text.optional(), vlan: int(1, 4094).optional() }).strict().optional(),
  switches: z.array(z.object({ name: text, subnet: text.optional(), node: text.optional() }).strict()).optional(),
  chassis: z.array(z.object({
    name: text, encapIps: z.array(text).optional(), encapIpDefault: text.optional(), writePfMapping: z.boolean().optional(),
    nics: z.array(scenarioNic).optional(),
  }).strict()),
  pods: z.array(z.object({
    name: text, chassis: text, pf: text, vf: int(0, 63), switch: text, ip: text,
    mac: text.optional(), encapIp: text.optional(), lport: text.optional(),
  }).strict()).optional(),
  interconnect: z.union([z.literal(true), z.object({ transitSubnet: text.optional() }).strict()]).optional(),
}).strict().describe('mvtep lab scenario (docs/lab.md)');

export const SCHEMAS = { 'node-spec': NODE_SPEC_SCHEMA, 'lab-scenario': LAB_SCENARIO_SCHEMA, zones: ZONES_SCHEMA } as const;
export type SchemaName = keyof typeof SCHEMAS;

/** The JSON Schema of one format, for editors (draft-07, as zod-to-json-schema writes it). */
export function jsonSchemaOf(name: SchemaName): Record<string, unknown> {
  return { title: `mvtep ${name}`, ...zodToJsonSchema(SCHEMAS[name], { $refStrategy: 'none' }) };
}

function valueAt(data: unknown, path: SpecPath): unknown {
  let v = data;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

function reasonOf(issue: z.ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return 'is required';
  return issue.message;
}

/** Where a path is in the YAML source: its own node, else the nearest enclosing one. */
function position(doc: Document | undefined, lines: LineCounter | undefined, path: SpecPath): { line?: number; column?: number } {
  if (!doc || !lines) return {};
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const pos = lines.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

/** Every shape problem of `data` against `schema`, each with file:line:col when the YAML document is given. */
export function shapeIssues(schema: z.ZodTypeAny, data: unknown, file: string, doc?: Document, lines?: LineCounter): NodeSpecIssue[] {
  const r = schema.safeParse(data);
  if (r.success) return [];
  return r.error.issues.map((issue) => {
    // An unknown key points at the key itself.
    const path: SpecPath = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    const v = valueAt(data, path);
    const token = issue.code === 'unrecognized_keys' ? issue.keys[0]! : v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    return { file, path: formatPath(path), token, reason: reasonOf(issue), ...position(doc, lines, path) };
  });
}
