import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../util/exec.ts';
import { parseDeb822Sources, parseOneLineSources, pickDebianMirror, type AptSource } from './aptSources.ts';
import { DEFAULT_RELEASE, RELEASE_INFO, parseVersion, requestedRelease, versionAtLeast } from './releases.ts';
import {
  RuntimeError, cacheRuntime, defaultCacheDir, findRuntime, releaseDir, versionOf, which,
  type OvnRuntime, type RuntimeManifest, type RuntimeOptions,
} from './runtimeCache.ts';

const TOP_PACKAGES = [
  'ovn-central', 'ovn-host', 'ovn-common', 'ovn-ic', 'ovn-ic-db', 'openvswitch-switch', 'openvswitch-common',
];

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
 * Downloads one release's OVN and OVS (and the shared libraries they link,
 * from the same Debian suite) into its own folder of the cache and unpacks
 * them there. Idempotent: a valid runtime of that release is reused as it is.
 */
export async function installRuntime(options: RuntimeOptions = {}): Promise<OvnRuntime> {
  const log = options.log ?? (() => {});
  const env = options.env ?? process.env;
  const release = requestedRelease(options.release, env) ?? DEFAULT_RELEASE;
  const existing = await findRuntime({ ...options, release });
  if (existing) {
    log(`runtime ${release} present (${existing.manifest.kind}): OVN ${existing.manifest.ovnVersion}, OVS ${existing.manifest.ovsVersion}`);
    return existing;
  }
  for (const tool of ['apt-get', 'apt-cache', 'dpkg-deb']) {
    if (!(await which(tool, env))) {
      throw new RuntimeError('runtime-no-apt', `cannot install the OVN runtime: '${tool}' is not available`, tool);
    }
  }
  const info = RELEASE_INFO[release];
  const dir = releaseDir(options.cacheDir ?? defaultCacheDir(env), release);
  const work = join(dir, 'apt');
  await mkdir(join(work, 'state/lists/partial'), { recursive: true });
  await mkdir(join(work, 'cache/archives/partial'), { recursive: true });
  const mirror = pickDebianMirror(await readAptSources());
  const keyring = mirror.signedBy ?? '/usr/share/keyrings/debian-archive-keyring.gpg';
  await writeFile(join(work, 'sources.list'), `deb [signed-by=${keyring}] ${mirror.uri} ${info.suite} main\n`);
  const apt = aptOptions(work);
  log(`apt update (${info.suite}, private state in ${work})`);
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
  log(`downloading ${packages.length} packages (${info.suite})`);
  await run(['apt-get', ...apt, '-q', 'download', ...packages], { cwd: debs, timeoutMs: 600_000 });

  // Unpack into a fresh folder, then rename: a half-unpacked root is never seen as installed.
  const staging = join(dir, 'root.tmp');
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  for (const deb of (await readdir(debs)).filter((f) => f.endsWith('.deb')).sort()) {
    await run(['dpkg-deb', '-x', join(debs, deb), staging]);
  }
  const root = join(dir, 'root');
  await rm(root, { recursive: true, force: true });
  await rename(staging, root);
  const probe = cacheRuntime({ kind: 'cache', root, ovnVersion: '', ovsVersion: '', packages, release });
  const ovnVersion = await versionOf(probe.argv('ovn-nbctl'));
  const ovsVersion = await versionOf(probe.argv('ovs-vsctl'));
  if (!ovnVersion || !ovsVersion) {
    throw new RuntimeError('runtime-broken', `unpacked runtime in ${root} does not run`, root);
  }
  if (!versionAtLeast(parseVersion(ovnVersion)!, info.minOvn) || !versionAtLeast(parseVersion(ovsVersion)!, info.minOvs)) {
    throw new RuntimeError('runtime-too-old',
      `Debian ${info.suite} gave OVN ${ovnVersion} / OVS ${ovsVersion}; release ${release} needs OVN >= ${info.minOvn.join('.')} and OVS >= ${info.minOvs.join('.')}`,
      { release, ovnVersion, ovsVersion });
  }
  const manifest: RuntimeManifest = { kind: 'cache', root, ovnVersion, ovsVersion, packages, release, suite: info.suite };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  await rm(debs, { recursive: true, force: true });
  log(`installed OVN ${ovnVersion}, OVS ${ovsVersion} (${release}) in ${root}`);
  return cacheRuntime(manifest);
}
