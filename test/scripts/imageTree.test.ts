// The container image without a container engine: scripts/image-tree.ts
// carries out deploy/Containerfile's COPY and RUN steps into a temp dir, and
// the commands run from that tree with this machine's node, as the image's
// ENTRYPOINT would run them (nothing from the repository on the module path).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImageTree, ImageTreeError, NODE_LTS_END, nodeMajor, parseContainerfile, parseCopy, type ImageTree } from '../../scripts/image-tree.ts';
import { STATE_FORMAT, type GatheredState } from '../../src/verify/index.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

let tree: ImageTree;
let argv0: string[];

before(() => {
  tree = buildImageTree();
  // ENTRYPOINT is exec form with image paths: map the script's path into the tree.
  argv0 = tree.entrypoint.slice(1).map((a) => (a.startsWith('/') ? tree.hostPath(a) : a));
  assert.equal(tree.entrypoint[0], 'node');
});
after(() => tree?.remove());

/** Runs the image's entrypoint with ARGS from its WORKDIR, like `podman run IMAGE ARGS`. */
function runImage(args: readonly string[]) {
  return spawnSync(process.execPath, [...argv0, ...args], { cwd: tree.hostPath(tree.workdir), encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } });
}

test('the image is based on a supported Node.js LTS, the same major in every stage, and installs iproute2', () => {
  const majors = tree.bases.map((b) => nodeMajor(b));
  assert.equal(new Set(majors).size, 1, `stages differ: ${tree.bases.join(', ')}`);
  const major = majors[0]!;
  const end = NODE_LTS_END[major];
  assert.ok(end, `${tree.bases[0]}: not a Node.js LTS line`);
  assert.ok(new Date(end) > new Date(), `${tree.bases[0]}: Node.js ${major} is end of life since ${end}`);
  assert.ok(tree.osPackages.includes('iproute2'), tree.osPackages.join(' '));
});

test('the tree holds the compiled build, its dashboard page and the production dependencies only', () => {
  const app = tree.hostPath(tree.workdir);
  assert.deepEqual(readdirSync(app).sort(), ['dist', 'entry.mjs', 'node_modules', 'package.json']);
  assert.ok(existsSync(join(app, 'dist/cli/main.js')));
  assert.ok(existsSync(join(app, 'dist/web/page.html')), 'the dashboard page is missing: mvtep ui cannot start');
  const modules = readdirSync(join(app, 'node_modules'));
  for (const dep of Object.keys(pkg.dependencies)) assert.ok(modules.includes(dep.split('/')[0]!), `dependency ${dep} missing`);
  for (const dev of ['typescript', 'tsx', 'eslint', 'playwright-core']) assert.ok(!modules.includes(dev), `dev dependency ${dev} in the image`);
  assert.ok(!existsSync(join(app, 'src')), 'sources in the image');
  // The agent loads the Kubernetes client only with --kube-node: its whole dependency tree must be there all the same.
  const kube = spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('@kubernetes/client-node'); console.log(typeof m.CoreV1Api);"],
    { cwd: app, encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } });
  assert.equal(kube.stdout.trim(), 'function', kube.stderr);
});

test('mvtep --version, verify --help and ui --help run from the tree', () => {
  const v = runImage(['--version']);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout.trim(), `mvtep ${pkg.version}`);
  for (const cmd of ['verify', 'ui']) {
    const r = runImage([cmd, '--help']);
    assert.equal(r.status, 0, `${cmd} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: mvtep ${cmd} `));
  }
});

test('mvtep ui serves the dashboard page and its icon from the tree', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mvtep-image-ui-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const state: GatheredState = {
    format: STATE_FORMAT,
    nodes: [{ label: 'hv1', openVswitch: { externalIds: { 'system-id': 'hv1', 'ovn-encap-ip': '192.0.2.11' } }, interfaces: [], tunnels: [] }],
  };
  writeFileSync(join(dir, 'state.json'), JSON.stringify(state));
  const child = spawn(process.execPath, [...argv0, 'ui', '--snapshot', join(dir, 'state.json'), '--listen', '127.0.0.1:0'],
    { cwd: tree.hostPath(tree.workdir), stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  // Ready when it prints its URL; an exit first (today: no page.html in the tree) fails with its stderr.
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
      const m = /dashboard on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`ui exited ${String(code)} before serving:\n${stderr}`)));
  });
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await page.text(), /<link rel="icon" href="\/favicon\.svg"/);
  const icon = await fetch(new URL('/favicon.svg', url));
  assert.equal(icon.status, 200);
  assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
  assert.match(await icon.text(), /^<svg /);
  process.kill(child.pid!, 'SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /SIGTERM: stopping/);
});

test('Containerfile parsing: stages, continuations, COPY forms', () => {
  const stages = parseContainerfile('# c\nFROM node:24-trixie-slim AS build\nRUN a \\\n# inside\n && b\nFROM node:24\nCOPY --from=build /x ./y\n');
  assert.deepEqual(stages.map((s) => [s.base, s.name]), [['node:24-trixie-slim', 'build'], ['node:24', undefined]]);
  assert.deepEqual(stages[0]!.instructions, [{ line: 3, op: 'RUN', args: 'a && b' }]);
  assert.deepEqual(parseCopy(stages[1]!.instructions[0]!), { line: 7, from: 'build', sources: ['/x'], dest: './y' });
  assert.throws(() => parseCopy({ line: 1, op: 'COPY', args: '--chown=1 a b' }), (e: ImageTreeError) => e.code === 'containerfile-unsupported');
  assert.throws(() => parseContainerfile('RUN x\n'), (e: ImageTreeError) => e.code === 'containerfile-syntax');
  assert.equal(nodeMajor('node:22.11-bookworm'), 22);
  assert.equal(nodeMajor('docker.io/library/node:24'), 24);
  assert.equal(nodeMajor('debian:trixie'), undefined);
});

/** A throw-away build context holding only a Containerfile (and package files), on the repository's install. */
function context(containerfile: string, files: Record<string, string> = {}): { dir: string; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'mvtep-image-ctx-'));
  mkdirSync(join(dir, 'deploy'));
  writeFileSync(join(dir, 'deploy/Containerfile'), containerfile);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

function imageTemps(): string[] {
  return readdirSync(tmpdir()).filter((n) => /^mvtep-image-[^-]+$/.test(n));
}

test('a step the script cannot carry out, a source the ignore file drops or a stale install is refused, leaving no tree', () => {
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['FROM node:24\nRUN curl -o x https://example.invalid/x\n', {}, 'containerfile-unsupported', /line 2: RUN step 'curl/],
    ['FROM node:24\nCOPY node_modules ./node_modules\n', { '.dockerignore': 'node_modules\n' }, 'image-source-ignored', /line 2: COPY node_modules/],
    ['FROM node:24\nCOPY nope ./\n', {}, 'image-source-missing', /COPY nope: no such file in the build context/],
    ['FROM node:24 AS b\nWORKDIR /src\nCOPY package-lock.json ./\nRUN npm ci --ignore-scripts && npm prune --omit=dev --ignore-scripts\n',
      { 'package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'node_modules/yaml': { version: '0.0.1' } } }) },
      'image-stale-install', /node_modules\/yaml: installed \d+\.\d+\.\d+, package-lock\.json pins 0\.0\.1/],
  ];
  const before = imageTemps();
  for (const [file, files, code, message] of cases) {
    const ctx = context(file, files);
    try {
      assert.throws(() => buildImageTree({ context: ctx.dir }), (e: ImageTreeError) => {
        assert.equal(e.code, code, e.message);
        assert.match(e.message, message);
        return true;
      });
    } finally {
      ctx.done();
    }
  }
  assert.deepEqual(imageTemps(), before);
});
