import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MvtepError } from '../util/errors.ts';
import { run } from '../util/exec.ts';
import {
  DEFAULT_RELEASE, OVN_RELEASES, RELEASE_INFO, parseVersion, releaseOfVersion, requestedRelease, versionAtLeast,
  type OvnRelease, type Version,
} from './releases.ts';

/** Programs the lab, tests and benchmarks start (the ovn-ic ones for the interconnect lab). */
export const RUNTIME_PROGRAMS = [
  'ovsdb-server', 'ovsdb-tool', 'ovsdb-client', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-appctl', 'ovs-ofctl',
  'ovn-northd', 'ovn-controller', 'ovn-nbctl', 'ovn-sbctl', 'ovn-appctl', 'ovn-trace',
  'ovn-ic', 'ovn-ic-nbctl', 'ovn-ic-sbctl',
] as const;
export type RuntimeProgram = (typeof RUNTIME_PROGRAMS)[number];

/** Oldest OVN/OVS mvtep runs on (the oldest release's floor). */
export const MIN_OVN: Version = RELEASE_INFO[OVN_RELEASES[0]].minOvn;
export const MIN_OVS: Version = RELEASE_INFO[OVN_RELEASES[0]].minOvs;

export interface RuntimeManifest {
  readonly kind: 'cache' | 'path';
  readonly root: string;
  readonly ovnVersion: string;
  readonly ovsVersion: string;
  readonly packages: readonly string[];
  /** Absent in manifests written before releases existed (those hold 25.03). */
  readonly release?: OvnRelease;
  readonly suite?: string;
}

export interface RuntimeSchemas {
  readonly vswitch: string;
  readonly sb: string;
  readonly nb: string;
  readonly icNb: string;
  readonly icSb: string;
}

/** A usable OVN/OVS installation: how to start each program and where its schemas are. */
export interface OvnRuntime {
  readonly manifest: RuntimeManifest;
  /** major.minor of its OVN ("25.03", "26.03"; a PATH install may be another). */
  readonly release: string;
  /** argv prefix that starts `program` (the unpacked loader, or the PATH binary). */
  argv(program: RuntimeProgram): string[];
  readonly schemas: RuntimeSchemas;
}

export class RuntimeError extends MvtepError {}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['MVTEP_RUNTIME_DIR']) return resolve(env['MVTEP_RUNTIME_DIR']);
  return fileURLToPath(new URL('../../.cache/ovn-runtime', import.meta.url));
}

/** Where a release lives in the cache: one folder per release, side by side. */
export function releaseDir(cacheDir: string, release: OvnRelease): string {
  return join(cacheDir, release);
}

export async function exists(path: string, mode = constants.F_OK): Promise<boolean> {
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

function majorMinor(version: string): string {
  const v = parseVersion(version);
  return v ? `${v[0]}.${String(v[1]).padStart(2, '0')}` : version;
}

export function cacheRuntime(manifest: RuntimeManifest): OvnRuntime {
  const root = manifest.root;
  // The unpacked libc's own loader: the suite's binaries need its libc, not the host's.
  const loader = join(root, 'usr/lib64/ld-linux-x86-64.so.2');
  const libs = [join(root, 'usr/lib/x86_64-linux-gnu'), join(root, 'lib/x86_64-linux-gnu')].join(':');
  return {
    manifest,
    release: manifest.release ?? majorMinor(manifest.ovnVersion),
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

export async function which(program: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const dirs = (env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/usr/lib/openvswitch-switch']);
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, program);
    if (await exists(candidate, constants.X_OK)) return candidate;
  }
  return undefined;
}

export async function versionOf(argv: string[]): Promise<string | undefined> {
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
  const pick = async (dirs: string[], file: string) => {
    for (const d of dirs) if (await exists(join(d, file))) return join(d, file);
    return undefined;
  };
  const ovsDirs = ['/usr/share/openvswitch', '/usr/local/share/openvswitch'];
  const ovnDirs = ['/usr/share/ovn', '/usr/local/share/ovn'];
  const vswitch = await pick(ovsDirs, 'vswitch.ovsschema');
  const sb = await pick(ovnDirs, 'ovn-sb.ovsschema');
  const nb = await pick(ovnDirs, 'ovn-nb.ovsschema');
  const icNb = await pick(ovnDirs, 'ovn-ic-nb.ovsschema');
  const icSb = await pick(ovnDirs, 'ovn-ic-sb.ovsschema');
  if (!vswitch || !sb || !nb || !icNb || !icSb) return undefined;
  const release = releaseOfVersion(ovn);
  const manifest: RuntimeManifest = {
    kind: 'path', root: '/', ovnVersion: ovn, ovsVersion: ovs, packages: [], ...(release ? { release } : {}),
  };
  return { manifest, release: majorMinor(ovn), argv: (p) => [paths.get(p)!], schemas: { vswitch, sb, nb, icNb, icSb } };
}

async function readManifest(dir: string): Promise<RuntimeManifest | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    if (parsed && typeof parsed === 'object' && 'root' in parsed && 'ovnVersion' in parsed) {
      return parsed as RuntimeManifest;
    }
  } catch {
    // absent or unreadable: treated as not installed
  }
  return undefined;
}

/** A cached runtime counts only when every program and schema is there. */
async function complete(rt: OvnRuntime): Promise<boolean> {
  for (const p of RUNTIME_PROGRAMS) if (!(await exists(rt.argv(p).at(-1)!))) return false;
  for (const s of Object.values(rt.schemas)) if (!(await exists(s))) return false;
  return true;
}

/** The cached runtime of one release: its own folder, or the pre-release layout (cache root) if it holds that release. */
export async function findCachedRelease(cacheDir: string, release: OvnRelease): Promise<OvnRuntime | undefined> {
  for (const dir of [releaseDir(cacheDir, release), cacheDir]) {
    const manifest = await readManifest(dir);
    if (!manifest || (manifest.release ?? releaseOfVersion(manifest.ovnVersion)) !== release) continue;
    const rt = cacheRuntime({ ...manifest, release });
    if (await complete(rt)) return rt;
  }
  return undefined;
}

export interface RuntimeOptions {
  readonly cacheDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Ignore an OVN on PATH and use (or build) the cache. */
  readonly preferCache?: boolean;
  /** The release to use; default $MVTEP_OVN_RELEASE, else 25.03 (PATH: any release unless one is asked for). */
  readonly release?: OvnRelease;
  readonly log?: (line: string) => void;
}

/** The runtime already available (PATH or cache), or undefined. Never downloads. */
export async function findRuntime(options: RuntimeOptions = {}): Promise<OvnRuntime | undefined> {
  const env = options.env ?? process.env;
  const asked = requestedRelease(options.release, env);
  if (!options.preferCache) {
    const onPath = await findOnPath(env);
    if (onPath && (asked === undefined || onPath.release === asked)) return onPath;
  }
  return findCachedRelease(options.cacheDir ?? defaultCacheDir(env), asked ?? DEFAULT_RELEASE);
}

/** Like findRuntime, but throws a clear error when there is none. */
export async function requireRuntime(options: RuntimeOptions = {}): Promise<OvnRuntime> {
  const rt = await findRuntime(options);
  if (!rt) {
    const env = options.env ?? process.env;
    const release = requestedRelease(options.release, env) ?? DEFAULT_RELEASE;
    const info = RELEASE_INFO[release];
    throw new RuntimeError(
      'runtime-missing',
      `no OVN ${release} (>= ${info.minOvn.join('.')} / OVS >= ${info.minOvs.join('.')}) found on PATH or in ${options.cacheDir ?? defaultCacheDir(env)}; run 'mvtep runtime install --release ${release}'`,
      { release },
    );
  }
  return rt;
}

export interface ReleaseStatus {
  readonly release: OvnRelease;
  readonly runtime?: OvnRuntime;
}

/** Every known release with the runtime that serves it, if any (PATH counts for its own release). */
export async function listRuntimes(options: RuntimeOptions = {}): Promise<ReleaseStatus[]> {
  const env = options.env ?? process.env;
  const onPath = options.preferCache ? undefined : await findOnPath(env);
  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const out: ReleaseStatus[] = [];
  for (const release of OVN_RELEASES) {
    const runtime = onPath?.release === release ? onPath : await findCachedRelease(cacheDir, release);
    out.push(runtime ? { release, runtime } : { release });
  }
  return out;
}
