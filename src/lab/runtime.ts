import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MvtepError } from '../util/errors.ts';
import { run } from '../util/exec.ts';
import { parseDeb822Sources, parseOneLineSources, pickDebianMirror, type AptSource } from './aptSources.ts';

/** Programs the lab, tests and benchmarks start. */
export const RUNTIME_PROGRAMS = [
  'ovsdb-server', 'ovsdb-tool', 'ovsdb-client', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-appctl', 'ovs-ofctl',
  'ovn-northd', 'ovn-controller', 'ovn-nbctl', 'ovn-sbctl', 'ovn-appctl', 'ovn-trace',
  'ovn-ic', 'ovn-ic-nbctl', 'ovn-ic-sbctl',
] as const;
export type RuntimeProgram = (typeof RUNTIME_PROGRAMS)[number];

export const MIN_OVN: Version = [25, 3, 0];
export const MIN_OVS: Version = [3, 5, 0];
const SUITE = 'trixie';
const TOP_PACKAGES = ['ovn-central', 'ovn-host', 'ovn-common', 'ovn-ic', 'ovn-ic-db', 'openvswitch-switch', 'openvswitch-common'];

export type Version = readonly [number, number, number];

export interface RuntimeManifest {
  readonly kind: 'cache' | 'path';
  readonly root: string;
  readonly ovnVersion: string;
  readonly ovsVersion: string;
  readonly packages: readonly string[];
}

/** A usable OVN/OVS installation: how to start each program and where its schemas are. */
export interface OvnRuntime {
  readonly manifest: RuntimeManifest;
  /** argv prefix that starts `program` (the unpacked loader, or the PATH binary). */
  argv(program: RuntimeProgram): string[];
  readonly schemas: {
    readonly vswitch: string; readonly sb: string; readonly nb: string;
    /** Interconnect databases (ovn-ic), shared by all zones. */
    readonly icNb: string; readonly icSb: string;
  };
}

export class RuntimeError extends MvtepError {}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['MVTEP_RUNTIME_DIR']) return resolve(env['MVTEP_RUNTIME_DIR']);
  return fileURLToPath(new URL('../../.cache/ovn-runtime', import.meta.url));
}

export function parseVersion(text: string): Version | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function versionAtLeast(v: Version, min: Version): boolean {
  for (let i = 0; i < 3; i++) {
    if (v[i]! !== min[i]!) return v[i]! > min[i]!;
  }
  return true;
}

async function exists(path: string, mode = constants.F_OK): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** Relative path of each program inside an unpacked Debian root. */
function debianPath(program: RuntimeProgram): string {
  if (program === 'ovsdb-server') return 'usr/sbin/ovsdb-server';
  if (program === 'ovs-vswitchd') return 'usr/lib/openvswitch-switch/ovs-vswitchd';
  return `usr/bin/${program}`;
}

function cacheRuntime(manifest: RuntimeManifest): OvnRuntime {
  const root = manifest.root;
  const loader = join(root, 'usr/lib64/ld-linux-x86-64.so.2');
  const libs = [join(root, 'usr/lib/x86_64-linux-gnu'), join(root, 'lib/x86_64-linux-gnu')].join(':');
  return {
    manifest,
    argv: (program) => [loader, '--library-path', libs, join(root, debianPath(program))],
    schemas: {
      vswitch: join(root, 'usr/share/openvswitch/vswitch.ovsschema'),
      sb: join(root, 'usr/share/ovn/ovn-sb.ovsschema'),
      nb: join(root, 'usr/share/ovn/ovn-nb.ovsschema'),
      icNb: join(root, 'usr/share/ovn/ovn-ic-nb.ovsschema'),
      icSb: join(root, 'usr/share/ovn/ovn-ic-sb.ovsschema'),
    },
  };
}

async function which(program: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const dirs = (env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/usr/lib/openvswitch-switch']);
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, program);
    if (await exists(candidate, constants.X_OK)) return candidate;
  }
  return undefined;
}

async function versionOf(argv: string[]): Promise<string | undefined> {
  const r = await run([...argv, '--version'], { allowFailure: true, timeoutMs: 10_000 }).catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  const first = r.stdout.split('\n')[0] ?? '';
  const m = /\d+\.\d+(?:\.\d+)?/.exec(first.replace(/^[^0-9]*/, ''));
  return m ? m[0] : undefined;
}

/** A sufficiently new OVN/OVS on PATH, if the machine has one. */
async function findOnPath(env: NodeJS.ProcessEnv): Promise<OvnRuntime | undefined> {
  const paths = new Map<RuntimeProgram, string>();
  for (const p of RUNTIME_PROGRAMS) {
    const found = await which(p, env);
    if (!found) return undefined;
    paths.set(p, found);
  }
  const ovn = await versionOf([paths.get('ovn-nbctl')!]);
  const ovs = await versionOf([paths.get('ovs-vsctl')!]);
  if (!ovn || !ovs || !versionAtLeast(parseVersion(ovn)!, MIN_OVN) || !versionAtLeast(parseVersion(ovs)!, MIN_OVS)) {
    return undefined;
  }
  const schemaDirs = ['/usr/share/openvswitch', '/usr/local/share/openvswitch'];
  const ovnDirs = ['/usr/share/ovn', '/usr/local/share/ovn'];
  const pick = async (dirs: string[], file: string) => {
    for (const d of dirs) if (await exists(join(d, file))) return join(d, file);
    return undefined;
  };
  const vswitch = await pick(schemaDirs, 'vswitch.ovsschema');
  const sb = await pick(ovnDirs, 'ovn-sb.ovsschema');
  const nb = await pick(ovnDirs, 'ovn-nb.ovsschema');
  const icNb = await pick(ovnDirs, 'ovn-ic-nb.ovsschema');
  const icSb = await pick(ovnDirs, 'ovn-ic-sb.ovsschema');
  if (!vswitch || !sb || !nb || !icNb || !icSb) return undefined;
  const manifest: RuntimeManifest = { kind: 'path', root: '/', ovnVersion: ovn, ovsVersion: ovs, packages: [] };
  return { manifest, argv: (p) => [paths.get(p)!], schemas: { vswitch, sb, nb, icNb, icSb } };
}

async function readManifest(cacheDir: string): Promise<RuntimeManifest | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(cacheDir, 'manifest.json'), 'utf8'));
    if (parsed && typeof parsed === 'object' && 'root' in parsed && 'ovnVersion' in parsed) {
      return parsed as RuntimeManifest;
    }
  } catch {
    // absent or unreadable: treated as not installed
  }
  return undefined;
}

export interface RuntimeOptions {
  readonly cacheDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Ignore an OVN on PATH and use (or build) the cache. */
  readonly preferCache?: boolean;
  readonly log?: (line: string) => void;
}

/** The runtime already available (PATH or cache), or undefined. Never downloads. */
export async function findRuntime(options: RuntimeOptions = {}): Promise<OvnRuntime | undefined> {
  const env = options.env ?? process.env;
  if (!options.preferCache) {
    const onPath = await findOnPath(env);
    if (onPath) return onPath;
  }
  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const manifest = await readManifest(cacheDir);
  if (!manifest) return undefined;
  const rt = cacheRuntime(manifest);
  // A cache from before a program was added (e.g. ovn-ic) counts as not installed: install refreshes it.
  for (const p of RUNTIME_PROGRAMS) if (!(await exists(rt.argv(p).at(-1)!))) return undefined;
  if (!(await exists(rt.schemas.icNb))) return undefined;
  return rt;
}

/** Like findRuntime, but throws a clear error when there is none. */
export async function requireRuntime(options: RuntimeOptions = {}): Promise<OvnRuntime> {
  const rt = await findRuntime(options);
  if (!rt) {
    throw new RuntimeError(
      'runtime-missing',
      `no OVN >= ${MIN_OVN.join('.')} / OVS >= ${MIN_OVS.join('.')} found on PATH or in ${options.cacheDir ?? defaultCacheDir(options.env)}; run 'mvtep runtime install'`,
    );
  }
  return rt;
}

async function readAptSources(): Promise<AptSource[]> {
  const out: AptSource[] = [];
  const main = await readFile('/etc/apt/sources.list', 'utf8').catch(() => '');
  out.push(...parseOneLineSources(main));
  const dir = '/etc/apt/sources.list.d';
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    if (name.endsWith('.sources')) out.push(...parseDeb822Sources(text));
    else if (name.endsWith('.list')) out.push(...parseOneLineSources(text));
  }
  return out;
}

/** Options that give apt a private state, cache and sources list. */
function aptOptions(work: string): string[] {
  return [
    '-o', `Dir::State=${join(work, 'state')}`,
    '-o', 'Dir::State::status=/dev/null',
    '-o', `Dir::Cache=${join(work, 'cache')}`,
    '-o', `Dir::Etc::SourceList=${join(work, 'sources.list')}`,
    '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', 'APT::Architecture=amd64',
    '-o', 'APT::Sandbox::User=root',
    '-o', 'Debug::NoLocking=1',
  ];
}

function dependsOf(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^\s+\|?(?:Pre)?Depends:\s+([^\s<>]+)/.exec(line);
    if (m?.[1]) names.add(m[1]);
  }
  return [...names];
}

/**
 * Downloads OVN and OVS from Debian's trixie packages into the cache and
 * unpacks them there. Idempotent: a valid cache is reused as it is.
 */
export async function installRuntime(options: RuntimeOptions = {}): Promise<OvnRuntime> {
  const log = options.log ?? (() => {});
  const existing = await findRuntime(options);
  if (existing) {
    log(`runtime present (${existing.manifest.kind}): OVN ${existing.manifest.ovnVersion}, OVS ${existing.manifest.ovsVersion}`);
    return existing;
  }
  for (const tool of ['apt-get', 'apt-cache', 'dpkg-deb']) {
    if (!(await which(tool, options.env ?? process.env))) {
      throw new RuntimeError('runtime-no-apt', `cannot install the OVN runtime: '${tool}' is not available`, tool);
    }
  }
  const cacheDir = options.cacheDir ?? defaultCacheDir(options.env);
  const work = join(cacheDir, 'apt');
  await mkdir(join(work, 'state/lists/partial'), { recursive: true });
  await mkdir(join(work, 'cache/archives/partial'), { recursive: true });
  const mirror = pickDebianMirror(await readAptSources());
  const keyring = mirror.signedBy ?? '/usr/share/keyrings/debian-archive-keyring.gpg';
  await writeFile(join(work, 'sources.list'), `deb [signed-by=${keyring}] ${mirror.uri} ${SUITE} main\n`);
  const apt = aptOptions(work);
  log(`apt update (${SUITE}, private state in ${work})`);
  await run(['apt-get', ...apt, '-q', 'update'], { timeoutMs: 300_000 });

  // The OVN/OVS packages plus the closure of the shared libraries they link.
  const direct = dependsOf((await run(['apt-cache', ...apt, 'depends', ...TOP_PACKAGES])).stdout)
    .filter((n) => /^(lib|zlib)/.test(n));
  const closure = (await run(['apt-cache', ...apt, 'depends', '--recurse', '--no-recommends', '--no-suggests',
    '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', ...direct])).stdout
    .split('\n').filter((l) => /^[a-z0-9]/.test(l)).map((l) => l.trim());
  const packages = [...new Set([...TOP_PACKAGES, 'libc6', ...closure])]
    .filter((n) => !/^(debconf|perl|python3|dpkg|install-info)/.test(n)).sort();

  const debs = join(work, 'debs');
  await rm(debs, { recursive: true, force: true });
  await mkdir(debs, { recursive: true });
  log(`downloading ${packages.length} packages`);
  await run(['apt-get', ...apt, '-q', 'download', ...packages], { cwd: debs, timeoutMs: 600_000 });

  // Unpack into a fresh folder, then rename: a half-unpacked root is never seen as installed.
  const staging = join(cacheDir, 'root.tmp');
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  for (const deb of (await readdir(debs)).filter((f) => f.endsWith('.deb')).sort()) {
    await run(['dpkg-deb', '-x', join(debs, deb), staging]);
  }
  const root = join(cacheDir, 'root');
  await rm(root, { recursive: true, force: true });
  await rename(staging, root);
  const probe = cacheRuntime({ kind: 'cache', root, ovnVersion: '', ovsVersion: '', packages });
  const ovnVersion = await versionOf(probe.argv('ovn-nbctl'));
  const ovsVersion = await versionOf(probe.argv('ovs-vsctl'));
  if (!ovnVersion || !ovsVersion) {
    throw new RuntimeError('runtime-broken', `unpacked runtime in ${root} does not run`, root);
  }
  const manifest: RuntimeManifest = { kind: 'cache', root, ovnVersion, ovsVersion, packages };
  await writeFile(join(cacheDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  await rm(debs, { recursive: true, force: true });
  log(`installed OVN ${ovnVersion}, OVS ${ovsVersion} in ${root}`);
  return cacheRuntime(manifest);
}
