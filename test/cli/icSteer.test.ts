// `mvtep ic steer` usage errors, run in-process: each exits 2 naming what is
// wrong, before any zone is contacted (the zones point at sockets that do not exist).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cliIo.ts';

let dir: string;
let zonesFile: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mvtep-icsteer-cli-'));
  zonesFile = join(dir, 'zones.yaml');
  await writeFile(zonesFile, `zones:
  - { name: hv1, nb: "unix:${dir}/nb1.sock", sb: "unix:${dir}/sb1.sock" }
  - { name: hv2, nb: "unix:${dir}/nb2.sock", sb: "unix:${dir}/sb2.sock" }
`);
});
after(() => rm(dir, { recursive: true, force: true }));

test('ic steer: a zones file that is not there exits 2 naming the file', async () => {
  const r = await runCli(['ic', 'steer', '--zones', join(dir, 'nope.yaml'), '--once']);
  assert.equal(r.code, 2);
  assert.match(r.err, /nope\.yaml/);
});

test('ic steer: an invalid zones file exits 2 with file:line and the key', async () => {
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'zones:\n  - name: hv1\n    sb: /not-a-remote\n');
  const r = await runCli(['ic', 'steer', '--zones', bad, '--once', '--json']);
  assert.equal(r.code, 2);
  const e = JSON.parse(r.out) as { code: string; message: string };
  assert.match(e.message, /bad\.yaml:3:\d+: zones\[0\]\.sb "\/not-a-remote"/);
});

for (const [value, entry, reason] of [
  ['203.0.113.128/28,203.0.113.136/29', 2, /overlaps entry 1/],
  ['203.0.113.128/31', 1, /fewer than the 2 zones/],
  ['2001:db8::/64', 1, /IPv4/],
] as const) {
  test(`ic steer: --l3-subnets ${value} exits 2 naming entry ${entry}`, async () => {
    const r = await runCli(['ic', 'steer', '--zones', zonesFile, '--once', '--l3-subnets', value]);
    assert.equal(r.code, 2);
    assert.match(r.err, new RegExp(`--l3-subnets: entry ${entry} `));
    assert.match(r.err, reason);
  });
}

test('ic steer: --json and --dry-run need --once; --l3-subnets is not for --uninstall; --resync is the controller\'s and takes positive seconds', async () => {
  for (const [args, flag] of [
    [['--json'], '--json'], [['--dry-run'], '--dry-run'], [['--uninstall', '--l3-subnets', '203.0.113.128/28'], '--l3-subnets'],
    [['--once', '--resync', '30'], '--resync'], [['--resync', '0'], '--resync: \'0\''], [['--resync', 'soon'], '--resync: \'soon\''],
  ] as const) {
    const r = await runCli(['ic', 'steer', '--zones', zonesFile, ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.out + r.err, new RegExp(flag), "--json errors go to stdout as JSON, others to stderr");
  }
});

test('ic steer --once: every zone unreachable exits 3 and the JSON report names each zone and its remote', async () => {
  const r = await runCli(['ic', 'steer', '--zones', zonesFile, '--once', '--json', '--timeout', '1']);
  assert.equal(r.code, 3);
  const report = JSON.parse(r.out) as { totals: { unreachable: number }; zones: { zone: string; reachable: boolean; error?: string }[] };
  assert.equal(report.totals.unreachable, 2);
  assert.deepEqual(report.zones.map((z) => [z.zone, z.reachable]), [['hv1', false], ['hv2', false]]);
  assert.match(report.zones[0]!.error!, /sb1\.sock/);
});

test('ic steer (watching): SIGTERM and SIGINT stop it with exit 0, logged with the signal', async () => {
  const bin = fileURLToPath(new URL('../../bin/mvtep.js', import.meta.url));
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    const child = spawn(process.execPath, [bin, 'ic', 'steer', '--zones', zonesFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      let err = '';
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code, s) => {
        if (s) err += `killed by ${s}`;
        resolve(code);
      }));
      // Signalled the moment it logs that it watches (zones unreachable, it keeps retrying): it
      // used to log that before installing its handlers, so a prompt SIGTERM killed it (no exit 0).
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (b: Buffer) => {
          err += b.toString();
          if (err.includes('"msg":"watching zones"')) resolve();
        });
        void exited.then((code) => reject(new Error(`exited ${String(code)} before watching: ${err}`)));
      });
      child.kill(sig);
      assert.equal(await exited, 0, err);
      const stopped = err.split('\n').filter((l) => l.includes('signal received, stopping')).map((l) => JSON.parse(l) as { signal: string });
      assert.deepEqual(stopped.map((l) => l.signal), [sig]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
});
