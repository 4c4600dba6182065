import { readFile } from 'node:fs/promises';
import { defaultBridgeName } from './names.ts';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { ZodTypeAny } from 'zod';
import { NODE_SPEC_SCHEMA, shapeIssues } from './schemas.ts';
import { NodeSpecError, formatPath, type NodeSpecIssue, type SpecPath } from './nodeSpecErrors.ts';
import { parsePrefix, familyOf, canonicalAddress, type IpPrefix } from './nodeSpecIp.ts';
import type { NodeSpec, DatapathType } from './nodeSpecTypes.ts';
import { checkSemantics, type RawNic } from './nodeSpecRules.ts';

export { NodeSpecError, type NodeSpecIssue } from './nodeSpecErrors.ts';
export type { NodeSpec, NicSpec, DatapathType } from './nodeSpecTypes.ts';
export { ENCAP_OVERHEAD, FIRST_TABLE } from './nodeSpecTypes.ts';

/** The YAML shape, for callers that build a spec in code (see `nodeSpecFromChassis`). */
export interface NodeSpecInput {
  node?: string;
  encapType?: string;
  defaultVtep?: string;
  overlayMtu?: number;
  datapathType?: DatapathType;
  routing?: { supernets?: string[]; gateway?: string | string[] };
  nics: {
    pf: string; bridge?: string; vtep: string; ip: string; vlan?: number;
    table?: number; priority?: number; class?: string; mtu?: number; gateway?: string;
  }[];
}

export interface ParseOptions {
  /** Shown in every message; default `<spec>`. */
  readonly file?: string;
  /**
   * Skip the "gateway must lie in a VTEP subnet" check. Only for exercising
   * the kernel's own refusal (and mvtep's rollback) in tests.
   */
  readonly allowUnreachableGateway?: boolean;
}

const TOP_KEYS = ['node', 'encapType', 'defaultVtep', 'overlayMtu', 'datapathType', 'routing', 'nics'];
const ROUTING_KEYS = ['supernets', 'gateway'];
const NIC_KEYS = ['pf', 'bridge', 'vtep', 'ip', 'vlan', 'table', 'priority', 'class', 'mtu', 'gateway'];
// Linux interface names: at most 15 bytes; ':' and ',' would break ovn-pf-encap-ip-mapping.
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

/** Collects issues with the YAML position of each path, when there is a document. */
export class IssueSink {
  readonly issues: NodeSpecIssue[] = [];
  constructor(readonly file: string, private readonly doc?: Document, private readonly lines?: LineCounter) {}

  add(path: SpecPath, token: unknown, reason: string): void {
    const text = token === undefined ? '' : typeof token === 'string' ? token : JSON.stringify(token);
    let line: number | undefined;
    let column: number | undefined;
    if (this.doc && this.lines) {
      for (let n = path.length; n >= 0 && line === undefined; n--) {
        const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) {
          const pos = this.lines.linePos(node.range[0]);
          line = pos.line;
          column = pos.col;
        }
      }
    }
    this.issues.push({ file: this.file, path: formatPath(path), token: text, reason, line, column });
  }

  /**
   * Adds the shape problems the zod schema finds (src/config/schemas.ts)
   * where the format's own rules said nothing yet: one validator's verdict,
   * each problem once, the more specific message kept.
   */
  addShape(schema: ZodTypeAny, data: unknown): void {
    const said = this.issues.map((i) => i.path);
    const overlaps = (a: string, b: string) => a === b || a.startsWith(b + '.') || a.startsWith(b + '[') || b.startsWith(a + '.') || b.startsWith(a + '[');
    for (const i of shapeIssues(schema, data, this.file, this.doc, this.lines)) {
      if (!said.some((p) => overlaps(p, i.path))) this.issues.push(i);
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(sink: IssueSink, obj: Record<string, unknown>, allowed: string[], path: SpecPath): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) sink.add([...path, k], k, `unknown key (allowed: ${allowed.join(', ')})`);
  }
}

function str(sink: IssueSink, v: unknown, path: SpecPath, required: boolean): string | undefined {
  if (v === undefined || v === null) {
    if (required) sink.add(path, undefined, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || v.trim() === '') {
    sink.add(path, v, 'must be a non-empty string');
    return undefined;
  }
  if (v !== v.trim()) {
    sink.add(path, v, 'has leading or trailing whitespace');
    return undefined;
  }
  return v;
}

function ifname(sink: IssueSink, v: unknown, path: SpecPath, required: boolean): string | undefined {
  const s = str(sink, v, path, required);
  if (s !== undefined && !IFNAME.test(s)) {
    sink.add(path, s, 'not a valid interface name (1-15 characters of A-Z a-z 0-9 _ . -)');
    return undefined;
  }
  return s;
}

function int(sink: IssueSink, v: unknown, path: SpecPath, min: number, max: number, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    sink.add(path, v, `${what} must be an integer`);
    return undefined;
  }
  if (v < min || v > max) {
    sink.add(path, v, `${what} must be in ${min}-${max}`);
    return undefined;
  }
  return v;
}

function address(sink: IssueSink, v: unknown, path: SpecPath): string | undefined {
  const s = str(sink, v, path, false);
  if (s === undefined) return undefined;
  if (!familyOf(s)) {
    sink.add(path, s, s.includes('/') ? 'a gateway is a bare address, without prefix length' : 'not an IPv4 or IPv6 address');
    return undefined;
  }
  return canonicalAddress(s);
}

function prefix(sink: IssueSink, v: unknown, path: SpecPath): IpPrefix | undefined {
  const s = str(sink, v, path, true);
  if (s === undefined) return undefined;
  const p = parsePrefix(s);
  if (!p.ok) {
    sink.add(path, s, p.reason);
    return undefined;
  }
  return p.value;
}

function list(sink: IssueSink, v: unknown, path: SpecPath): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    sink.add(path, v, 'must be a list');
    return [];
  }
  return v;
}

/** Validates an already-decoded spec object (from YAML or built in code). */
export function validateNodeSpec(input: unknown, options: ParseOptions = {}, sink = new IssueSink(options.file ?? '<spec>')): NodeSpec {
  const file = sink.file;
  if (!isRecord(input)) {
    sink.add([], input, 'a node spec is a mapping with at least `nics`');
    throw new NodeSpecError(sink.issues);
  }
  checkKeys(sink, input, TOP_KEYS, []);
  const node = str(sink, input['node'], ['node'], false);
  const encapType = str(sink, input['encapType'], ['encapType'], false);
  if (encapType !== undefined) {
    const bad = encapType.split(',').find((t) => !['geneve', 'vxlan'].includes(t));
    if (bad !== undefined) sink.add(['encapType'], encapType, `unknown encapsulation ${JSON.stringify(bad)} (geneve, vxlan, or a comma list without spaces)`);
  }
  const defaultVtep = ifname(sink, input['defaultVtep'], ['defaultVtep'], false);
  const overlayMtu = int(sink, input['overlayMtu'], ['overlayMtu'], 576, 65000, 'overlay MTU') ?? 1400;
  const dp = input['datapathType'] ?? 'system';
  if (dp !== 'system' && dp !== 'netdev') sink.add(['datapathType'], dp, 'must be system or netdev');
  const datapathType: DatapathType = dp === 'netdev' ? 'netdev' : 'system';

  const routing = input['routing'] ?? {};
  const supernets: IpPrefix[] = [];
  const gateways: string[] = [];
  if (!isRecord(routing)) sink.add(['routing'], routing, 'must be a mapping with supernets and gateway');
  else {
    checkKeys(sink, routing, ROUTING_KEYS, ['routing']);
    list(sink, routing['supernets'], ['routing', 'supernets']).forEach((s, i) => {
      const p = prefix(sink, s, ['routing', 'supernets', i]);
      if (p && p.address !== p.network) sink.add(['routing', 'supernets', i], s, `host bits set: the network is ${p.network}/${p.prefixLength}`);
      else if (p) supernets.push(p);
    });
    const gw = routing['gateway'];
    const gwList = Array.isArray(gw) ? gw : gw === undefined || gw === null ? [] : [gw];
    gwList.forEach((g, i) => {
      const a = address(sink, g, Array.isArray(gw) ? ['routing', 'gateway', i] : ['routing', 'gateway']);
      if (a !== undefined) gateways.push(a);
    });
  }

  const nicsRaw = input['nics'];
  const nics: RawNic[] = [];
  if (!Array.isArray(nicsRaw) || nicsRaw.length === 0) sink.add(['nics'], nicsRaw, 'needs a list of at least one NIC');
  else {
    nicsRaw.forEach((n, i) => {
      const at = (k: string): SpecPath => ['nics', i, k];
      if (!isRecord(n)) {
        sink.add(['nics', i], n, 'a NIC is a mapping with pf, vtep and ip');
        return;
      }
      checkKeys(sink, n, NIC_KEYS, ['nics', i]);
      const pf = ifname(sink, n['pf'], at('pf'), true);
      const vtep = ifname(sink, n['vtep'], at('vtep'), true);
      const bridge = n['bridge'] === undefined ? (pf !== undefined ? defaultBridgeName(pf) : undefined) : ifname(sink, n['bridge'], at('bridge'), true);
      const ip = prefix(sink, n['ip'], at('ip'));
      nics.push({
        index: i, pf, vtep, bridge, ip,
        vlan: int(sink, n['vlan'], at('vlan'), 1, 4094, 'VLAN id'),
        table: tableId(sink, n['table'], at('table')),
        priority: int(sink, n['priority'], at('priority'), 1, 32765, 'rule priority (below the main table rule 32766)'),
        class: str(sink, n['class'], at('class'), false),
        mtu: int(sink, n['mtu'], at('mtu'), 576, 65535, 'MTU'),
        gateway: address(sink, n['gateway'], at('gateway')),
      });
    });
  }
  const spec = checkSemantics(sink, {
    source: file, node, encapType, defaultVtep, overlayMtu, datapathType, supernets, gateways,
  }, nics, options.allowUnreachableGateway ?? false);
  sink.addShape(NODE_SPEC_SCHEMA, input);
  if (sink.issues.length > 0) throw new NodeSpecError(sink.issues);
  return spec;
}

/** Table ids: 1..2^32-1 except 253-255 (the kernel's default, main and local tables). */
function tableId(sink: IssueSink, v: unknown, path: SpecPath): number | undefined {
  const t = int(sink, v, path, 1, 0xffffffff, 'table');
  if (t !== undefined && t >= 253 && t <= 255) {
    sink.add(path, t, "tables 253-255 are the kernel's default, main and local tables");
    return undefined;
  }
  return t;
}

/** Parses node spec YAML text; throws NodeSpecError listing every problem. */
export function parseNodeSpec(text: string, options: ParseOptions = {}): NodeSpec {
  const file = options.file ?? '<spec>';
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new NodeSpecError(doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return { file, path: '(yaml)', token: text.slice(e.pos[0], e.pos[1]), reason: e.message.split('\n')[0] ?? e.code, line: pos.line, column: pos.col };
    }));
  }
  return validateNodeSpec(doc.toJS({ maxAliasCount: 0 }), options, new IssueSink(file, doc, lines));
}

export async function loadNodeSpec(path: string, options: Omit<ParseOptions, 'file'> = {}): Promise<NodeSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NodeSpecError([{ file: path, path: '(file)', token: path, reason: `cannot read: ${(err as Error).message}` }]);
  }
  return parseNodeSpec(text, { ...options, file: path });
}
