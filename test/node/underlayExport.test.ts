import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, readFile, writeFile as write } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'yaml';
import { loadNodeSpec } from '../../src/config/nodeSpec.ts';
import { networkText } from '../../src/config/nodeSpecIp.ts';
import { exportNetworkManager, exportNmstate, vtepRoutes } from '../../src/node/underlay/index.ts';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../helpers/cliIo.ts';

type Ini = Map<string, Map<string, string>>;

/** Keyfile (GLib key file) parser: [section] and key=value lines, # comments. */
function parseKeyfile(text: string): Ini {
  const out: Ini = new Map();
  let cur: Map<string, string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      cur = new Map();
      assert.ok(!out.has(sec[1]!), `duplicate section ${sec[1]}`);
      out.set(sec[1]!, cur);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(cur && eq > 0, `bad keyfile line: ${line}`);
    cur.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

const SPECS = ['examples/node-hv1.yaml', 'examples/node-dualstack.yaml'];

for (const file of SPECS) {
  test(`nmstate export of ${file} parses and has every VTEP, rule and route`, async () => {
    const spec = await loadNodeSpec(file);
    const [f] = exportNmstate(spec);
    const doc = parse(f!.content) as {
      interfaces: { name: string; type: string; mtu?: number; bridge?: { port: { name: string; vlan?: { mode: string; tag: number } }[] }; ipv4: { enabled: boolean; address?: { ip: string; 'prefix-length': number }[] }; ipv6: { enabled: boolean; address?: { ip: string }[] } }[];
      routes: { config: { destination: string; 'next-hop-interface': string; 'next-hop-address'?: string; 'table-id': number }[] };
      'route-rules': { config: { 'ip-from': string; priority: number; 'route-table': number }[] };
      'ovs-db': { external_ids: Record<string, string> };
    };
    for (const nic of spec.nics) {
      const br = doc.interfaces.find((i) => i.name === nic.bridge && i.type === 'ovs-bridge');
      const port = br?.bridge?.port.find((p) => p.name === nic.vtep);
      assert.ok(port, `${nic.vtep} is a port of ${nic.bridge}`);
      assert.ok(br!.bridge!.port.some((p) => p.name === nic.pf), 'PF uplink on its own bridge');
      assert.deepEqual(port.vlan, nic.vlan === undefined ? undefined : { mode: 'access', tag: nic.vlan });
      const iface = doc.interfaces.find((i) => i.name === nic.vtep && i.type === 'ovs-interface');
      assert.equal(iface?.mtu, nic.mtu);
      const fam = nic.ip.family === 4 ? iface!.ipv4 : iface!.ipv6;
      assert.deepEqual(fam.address?.[0], { ip: nic.ip.address, 'prefix-length': nic.ip.prefixLength });
      const rule = doc['route-rules'].config.find((r) => r['route-table'] === nic.table);
      assert.deepEqual(rule, { 'ip-from': `${nic.ip.address}/${nic.ip.family === 4 ? 32 : 128}`, priority: nic.priority, 'route-table': nic.table });
      const routes = doc.routes.config.filter((r) => r['table-id'] === nic.table);
      assert.deepEqual(routes.map((r) => [r.destination, r['next-hop-address'], r['next-hop-interface']]),
        vtepRoutes(spec, nic).map((r) => [r.dst, r.gateway, nic.vtep]));
      assert.ok(routes.some((r) => r.destination === networkText(nic.ip)));
    }
    assert.equal(doc['ovs-db'].external_ids['ovn-encap-ip'], spec.nics.map((n) => n.ip.address).join(','));
  });

  test(`NetworkManager keyfiles of ${file} parse and have every VTEP, rule and route`, async () => {
    const spec = await loadNodeSpec(file);
    const files = new Map(exportNetworkManager(spec).map((f) => [f.name, parseKeyfile(f.content)]));
    const uuids = new Set<string>();
    for (const kf of files.values()) {
      const u = kf.get('connection')?.get('uuid');
      assert.match(u ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(!uuids.has(u!), 'unique connection uuids');
      uuids.add(u!);
    }
    for (const nic of spec.nics) {
      const br = files.get(`${nic.bridge}.nmconnection`);
      assert.equal(br?.get('connection')?.get('type'), 'ovs-bridge');
      const port = files.get(`${nic.bridge}-port-${nic.vtep}.nmconnection`);
      assert.equal(port?.get('connection')?.get('master'), nic.bridge);
      assert.equal(port?.get('ovs-port')?.get('tag'), nic.vlan === undefined ? undefined : String(nic.vlan));
      const vt = files.get(`${nic.vtep}.nmconnection`);
      assert.equal(vt?.get('connection')?.get('type'), 'ovs-interface');
      assert.equal(vt?.get('ovs-interface')?.get('type'), 'internal');
      assert.equal(vt?.get('ethernet')?.get('mtu'), String(nic.mtu));
      const ipSec = vt?.get(nic.ip.family === 4 ? 'ipv4' : 'ipv6');
      assert.equal(ipSec?.get('method'), 'manual');
      assert.equal(ipSec?.get('address1'), `${nic.ip.address}/${nic.ip.prefixLength}`);
      assert.equal(ipSec?.get('routing-rule1'), `priority ${nic.priority} from ${nic.ip.address} table ${nic.table}`);
      vtepRoutes(spec, nic).forEach((r, i) => {
        assert.equal(ipSec?.get(`route${i + 1}`), r.gateway ? `${r.dst},${r.gateway}` : r.dst);
        assert.match(ipSec?.get(`route${i + 1}_options`) ?? '', new RegExp(`^table=${nic.table}\\b`));
      });
      assert.equal(files.get(`${nic.bridge}-if-${nic.pf}.nmconnection`)?.get('connection')?.get('type'), 'ethernet');
    }
  });
}

test('node export --out writes every file (mode 0600) and nothing else', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mvtep-export-'));
  try {
    const out = new PassThrough();
    const err = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => (text += b.toString()));
    const code = await main(['node', 'export', '--spec', 'examples/node-hv1.yaml', '--format', 'networkmanager', '--out', dir],
      { stdout: out, stderr: err, env: {}, cwd: process.cwd() });
    assert.equal(code, 0);
    const names = (await readdir(dir)).sort();
    assert.equal(names.length, 15, 'bridge, 2 ports, PF ethernet and VTEP interface per NIC');
    assert.ok(names.every((n) => n.endsWith('.nmconnection')));
    for (const n of names) assert.equal((await stat(join(dir, n))).mode & 0o777, 0o600);
    assert.match(text, /wrote 15 file/);
    assert.match(await readFile(join(dir, 'vtep1.nmconnection'), 'utf8'), /routing-rule1=priority 6082 from 192\.0\.2\.2 table 6082/);
    const bad = await main(['node', 'export', '--spec', 'examples/node-hv1.yaml', '--format', 'ifcfg'], { stdout: out, stderr: err, env: {}, cwd: process.cwd() });
    assert.equal(bad, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('node export --out is all or nothing: a directory in the way of one file leaves none behind, exit 2, no stack trace', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mvtep-export-atomic-'));
  try {
    const io0 = captureIo({}, process.cwd());
    assert.equal(await main(['node', 'export', '--spec', 'examples/node-hv1.yaml', '--format', 'networkmanager', '--out', join(dir, 'probe')], io0), 0);
    const names = (await readdir(join(dir, 'probe'))).sort();
    assert.ok(names.length >= 4, names.join(','));
    // An existing file is replaced only if everything succeeds; a directory named like the last file blocks all.
    const out = join(dir, 'out');
    await mkdir(join(out, names[names.length - 1]!), { recursive: true });
    await write(join(out, names[0]!), 'old content\n');
    const io = captureIo({}, process.cwd());
    assert.equal(await main(['node', 'export', '--spec', 'examples/node-hv1.yaml', '--format', 'networkmanager', '--out', out], io), 2);
    assert.match(io.err(), /is not a regular file: nothing written/);
    assert.doesNotMatch(io.err(), /\n\s+at /, 'no stack trace');
    assert.deepEqual((await readdir(out)).sort(), [names[0]!, names[names.length - 1]!].sort());
    assert.equal(await readFile(join(out, names[0]!), 'utf8'), 'old content\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
