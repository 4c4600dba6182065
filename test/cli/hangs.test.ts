// Every command that talks to an OVSDB server must give up within its
// --timeout against a server that accepts and then never answers (or
// answers half a message), exit 3 and name the remote and the request.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../helpers/cliIo.ts';

const dir = mkdtempSync(join(tmpdir(), 'mvtep-hangs-'));
const sockets = new Set<Socket>();
const servers: Server[] = [];

/** A unix socket server; `onData` decides what (if anything) it ever sends. */
async function listen(name: string, onData: (s: Socket) => void): Promise<string> {
  const path = join(dir, name);
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.once('data', () => onData(s));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return `unix:${path}`;
}

const silent = await listen('silent.sock', () => {});
// The first half of a get_schema/monitor reply, then nothing.
const half = await listen('half.sock', (s) => s.write('{"id":1,"error":null,"result":{"name":"Open_vSwitch","tables":{"Bridge":'));

after(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

const spec = new URL('../../examples/node-hv1.yaml', import.meta.url).pathname;
// An empty but readable sysfs tree: the agent refuses a missing one before it connects.
const sysfs = join(dir, 'sys');
mkdirSync(join(sysfs, 'bus/pci/devices'), { recursive: true });

const cases: Array<[string, (r: string) => string[]]> = [
  ['verify --ovsdb', (r) => ['verify', '--ovsdb', r]],
  ['verify --sb', (r) => ['verify', '--sb', r]],
  ['trace --sb', (r) => ['trace', '--sb', r, '--from', 'a', '--to', 'b']],
  ['attach', (r) => ['attach', '--ovsdb', r, '--iface', 'eth9', '--iface-id', 'lp1', '--sysfs', sysfs]],
  ['detach', (r) => ['detach', '--ovsdb', r, '--iface', 'eth9']],
  ['node plan', (r) => ['node', 'plan', '--spec', spec, '--ovsdb', r]],
  ['node diff', (r) => ['node', 'diff', '--spec', spec, '--ovsdb', r]],
  ['node apply', (r) => ['node', 'apply', '--spec', spec, '--ovsdb', r]],
  ['ovsdb dump', (r) => ['ovsdb', 'dump', '--db', r]],
  // The agent waits for its server by default (a DaemonSet started before OVS); --start-timeout bounds that wait.
  ['agent', (r) => ['agent', '--ovsdb', r, '--sysfs', sysfs, '--start-timeout', '1.5']],
];

const TIMEOUT_S = 0.6;
// Generous for a loaded 2-core machine, far below "hangs".
const SLACK_MS = 2500;

for (const [server, remote] of [['silent', silent], ['half a message', half]] as const) {
  for (const [name, argv] of cases) {
    test(`${name} against a server that is ${server}: exit 3 within --timeout, naming remote and request`, async () => {
      const io = captureIo({}, '/');
      const started = Date.now();
      let guard: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        main([...argv(remote), '--timeout', String(TIMEOUT_S)], io),
        new Promise<string>((resolve) => (guard = setTimeout(() => resolve('still running'), TIMEOUT_S * 1000 + SLACK_MS))),
      ]);
      clearTimeout(guard);
      const ms = Date.now() - started;
      assert.equal(code, 3, `exit ${String(code)} after ${ms} ms; stderr: ${io.err()}`);
      assert.ok(ms < TIMEOUT_S * 1000 + SLACK_MS, `${ms} ms`);
      assert.ok(io.err().includes(remote), io.err());
      assert.match(io.err(), /get_schema|monitor|transact|list_dbs|echo/, io.err());
      assert.match(io.err(), /timed out|no reply/, io.err());
    });
  }
}

test('--timeout is stated with its default in every such command\'s help', async () => {
  for (const [name] of cases) {
    const words = name.split(' ').filter((w) => !w.startsWith('--'));
    const io = captureIo({}, '/');
    assert.equal(await main([...words, '--help'], io), 0);
    assert.match(io.out(), /--timeout SECONDS[^\n]*\n?[^\n]*default \d+/, `${name}: ${io.out()}`);
  }
});
