// The release matrix: release names, the cache layout (one folder per release
// beside the older single-release layout) and the installed runtimes themselves.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../helpers/cliIo.ts';
import { run } from '../../src/util/exec.ts';
import {
  OVN_RELEASES, RELEASE_ENV, ReleaseError, findRuntime, listRuntimes, parseRelease, releaseOfVersion, requestedRelease,
  requireRuntime, RuntimeError, type OvnRuntime,
} from '../../src/lab/runtime.ts';

const repo = new URL('../../', import.meta.url).pathname;
const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});
async function tempCache(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mvtep-rt-'));
  roots.push(dir);
  return dir;
}
async function cli(argv: string[], env: NodeJS.ProcessEnv) {
  const io = captureIo(env, repo);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

test('release names: known ones parse, others are a typed error naming key and token', () => {
  assert.equal(parseRelease('26.03', '--release'), '26.03');
  assert.throws(() => parseRelease('24.03', RELEASE_ENV), (e: unknown) =>
    e instanceof ReleaseError && e.code === 'release-unknown' && /MVTEP_OVN_RELEASE: unknown OVN release '24\.03'/.test(e.message));
  assert.equal(requestedRelease(undefined, {}), undefined);
  assert.equal(requestedRelease(undefined, { [RELEASE_ENV]: '26.03' }), '26.03');
  assert.equal(requestedRelease('25.03', { [RELEASE_ENV]: '26.03' }), '25.03', 'the explicit choice wins over the environment');
  assert.equal(releaseOfVersion('26.03.1'), '26.03');
  assert.equal(releaseOfVersion('25.03.0'), '25.03');
  assert.equal(releaseOfVersion('25.09.2'), undefined);
});

test('the selected release is installed, runs, and has the interconnect programs and schemas', async () => {
  const rt = await requireRuntime();
  const asked = process.env[RELEASE_ENV];
  if (asked) assert.equal(rt.release, asked);
  const ovn = await run([...rt.argv('ovn-ic'), '--version']);
  assert.match(ovn.stdout, new RegExp(rt.manifest.ovnVersion.replace(/\./g, '\\.')));
  for (const p of ['ovn-ic-nbctl', 'ovn-ic-sbctl'] as const) {
    assert.equal((await run([...rt.argv(p), '--version'])).code, 0, p);
  }
  for (const schema of [rt.schemas.icNb, rt.schemas.icSb]) {
    const v = await run([...rt.argv('ovsdb-tool'), 'schema-version', schema]);
    assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/, schema);
  }
});

/** The installed runtimes, by release (the cache of this machine: $MVTEP_RUNTIME_DIR). */
async function installed(): Promise<Map<string, OvnRuntime>> {
  const out = new Map<string, OvnRuntime>();
  for (const s of await listRuntimes({ preferCache: true })) if (s.runtime) out.set(s.release, s.runtime);
  return out;
}

test('cache layout: per-release folders side by side, the older single-release manifest still read', async (t) => {
  const have = await installed();
  if (have.size === 0) return t.skip('no runtime installed');
  const cache = await tempCache();
  for (const [release, rt] of have) {
    // Newest installed release in its own folder; 25.03 (if present) in the old layout without a release field.
    const { release: _omit, ...legacy } = rt.manifest;
    if (release === '25.03') await writeFile(join(cache, 'manifest.json'), JSON.stringify(legacy));
    else {
      await mkdir(join(cache, release), { recursive: true });
      await writeFile(join(cache, release, 'manifest.json'), JSON.stringify(rt.manifest));
    }
  }
  const listed = await listRuntimes({ cacheDir: cache, preferCache: true });
  assert.deepEqual(listed.map((s) => s.release), [...OVN_RELEASES]);
  for (const s of listed) {
    assert.equal(s.runtime?.manifest.ovnVersion, have.get(s.release)?.manifest.ovnVersion, s.release);
    if (s.runtime) assert.equal(s.runtime.release, s.release);
  }
  for (const release of OVN_RELEASES) {
    const found = await findRuntime({ cacheDir: cache, preferCache: true, release });
    assert.equal(found?.release, have.has(release) ? release : undefined);
  }
  // The environment variable picks the release when no option does.
  const last = [...have.keys()].at(-1)!;
  const viaEnv = await findRuntime({ cacheDir: cache, preferCache: true, env: { ...process.env, [RELEASE_ENV]: last } });
  assert.equal(viaEnv?.release, last);
});

test('a cached root missing a program (e.g. ovn-ic) is not installed', async (t) => {
  const have = [...(await installed()).values()];
  if (have.length === 0) return t.skip('no runtime installed');
  const cache = await tempCache();
  const root = join(cache, 'root');
  // Everything but ovn-ic: a cache unpacked before the IC packages were part of the runtime.
  for (const rel of ['usr/sbin/ovsdb-server', 'usr/lib/openvswitch-switch/ovs-vswitchd', 'usr/share/openvswitch/vswitch.ovsschema',
    'usr/share/ovn/ovn-sb.ovsschema', 'usr/share/ovn/ovn-nb.ovsschema']) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), '');
  }
  await mkdir(join(cache, '25.03'));
  await writeFile(join(cache, '25.03', 'manifest.json'), JSON.stringify({ ...have[0]!.manifest, root, release: '25.03' }));
  assert.equal(await findRuntime({ cacheDir: cache, preferCache: true, release: '25.03' }), undefined);
  await assert.rejects(requireRuntime({ cacheDir: cache, preferCache: true, release: '25.03' }), (e: unknown) =>
    e instanceof RuntimeError && e.code === 'runtime-missing' && /runtime install --release 25\.03/.test(e.message));
});

test('runtime status lists every release and marks the selected one; bad release names fail', async () => {
  const cache = await tempCache();
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: '/nonexistent', MVTEP_RUNTIME_DIR: cache };
  delete env[RELEASE_ENV];
  const r = await cli(['runtime', 'status', '--json', '--release', '26.03'], env);
  assert.equal(r.code, 1, r.err);
  const parsed = JSON.parse(r.out) as { selected: string; installed: boolean; releases: { release: string; installed: boolean }[] };
  assert.equal(parsed.selected, '26.03');
  assert.equal(parsed.installed, false);
  assert.deepEqual(parsed.releases, OVN_RELEASES.map((release) => ({ release, installed: false })));
  const text = await cli(['runtime', 'status'], env);
  assert.equal(text.code, 1);
  assert.match(text.out, /^\* 25\.03 {2}not installed/m);
  assert.match(text.out, /^ {2}26\.03 {2}not installed/m);
  const bad = await cli(['runtime', 'status', '--release', '24.03'], env);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--release: unknown OVN release '24\.03'/);
  const badEnv = await cli(['runtime', 'status'], { ...env, [RELEASE_ENV]: 'latest' });
  assert.equal(badEnv.code, 1);
  assert.match(badEnv.err, /\[release-unknown\].*MVTEP_OVN_RELEASE: unknown OVN release 'latest'/);
});
