import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeSpec } from '../../src/config/nodeSpec.ts';
import { applyNodeSpec, awaitCondition, planNodeSpec } from '../../src/node/underlay/index.ts';
import { run } from '../../src/util/exec.ts';
import { startUnderlayEnv, type UnderlayEnv } from './underlayEnv.ts';

// Real packets: two VTEPs in one subnet, each on its own PF bridge, PFs
// cabled into the fabric netns (fp0 <- pfa, fp1 <- pfb). IPv6 is off so the
// fabric-side counters see only ARP and the test's datagrams.
const SPEC = `
datapathType: netdev
routing: { supernets: [198.51.100.0/24], gateway: 192.0.2.254 }
nics:
  - { pf: pfa, vtep: vtep0, ip: 192.0.2.1/24 }
  - { pf: pfb, vtep: vtep1, ip: 192.0.2.2/24 }
`;
const COUNT = 5;

describe('tunnel-like traffic leaves through the NIC of its source VTEP', { timeout: 120_000 }, () => {
  let env: UnderlayEnv;
  const spec = parseNodeSpec(SPEC, { file: 'traffic.yaml' });

  const rx = async (): Promise<Record<string, number>> => {
    const links = JSON.parse((await run(['ip', '-n', env.fabric, '-s', '-j', 'link', 'show'])).stdout) as { ifname: string; stats64?: { rx?: { packets?: number } } }[];
    return Object.fromEntries(links.map((l) => [l.ifname, l.stats64?.rx?.packets ?? 0]));
  };
  /** Sends COUNT UDP datagrams to port 6081 (Geneve's) from `src`, inside the node netns. */
  const send = (src: string, dst: string) => run(['ip', 'netns', 'exec', env.ns, process.execPath, '-e',
    "const s=require('dgram').createSocket('udp4');s.bind({address:process.argv[1]},()=>{let n=0;" +
    `const go=()=>s.send('mvtep',6081,process.argv[2],()=>{if(++n<${COUNT})go();else s.close();});go();});`, src, dst]);
  /** Which fabric port the datagrams from `src` arrived on. */
  const egress = async (src: string, dst: string): Promise<string> => {
    const a = await rx();
    await send(src, dst);
    let port = '';
    await awaitCondition(`${COUNT} datagrams from ${src} at the fabric`, async () => {
      const b = await rx();
      port = ['fp0', 'fp1'].find((p) => (b[p] ?? 0) - (a[p] ?? 0) >= COUNT) ?? '';
      return port !== '';
    }, 20_000);
    const b = await rx();
    const other = port === 'fp0' ? 'fp1' : 'fp0';
    assert.equal((b[other] ?? 0) - (a[other] ?? 0), 0, `nothing from ${src} on ${other}`);
    return port;
  };

  before(async () => {
    env = await startUnderlayEnv({ pfs: ['pfa', 'pfb'], gateways: ['192.0.2.254'], ipv6: false });
    await applyNodeSpec(spec, { ovsdb: env.client, netns: env.ns });
  });
  after(async () => {
    await env?.stop();
  });

  test('each VTEP sends via its own PF, to the supernet (via the gateway) and within the subnet', async () => {
    assert.equal(await egress('192.0.2.1', '198.51.100.7'), 'fp0');
    assert.equal(await egress('192.0.2.2', '198.51.100.7'), 'fp1');
    assert.equal(await egress('192.0.2.2', '192.0.2.254'), 'fp1');
  });

  test('without the rules Linux un-steers: vtep1 traffic leaves through vtep0\'s NIC; apply repairs it', async () => {
    for (const nic of spec.nics) {
      await env.ip(['rule', 'del', 'from', nic.ip.address, 'lookup', String(nic.table), 'pref', String(nic.priority), 'proto', '157']);
    }
    // The main table holds 192.0.2.0/24 once per VTEP device and uses the first for every source.
    assert.equal(await egress('192.0.2.2', '192.0.2.254'), 'fp0', 'the main table sends every VTEP out of one device');
    const { changes: drift } = await planNodeSpec(spec, { ovsdb: env.client, netns: env.ns });
    assert.deepEqual(drift.map((c) => c.kind), ['rule-add', 'rule-add']);
    await applyNodeSpec(spec, { ovsdb: env.client, netns: env.ns });
    assert.equal(await egress('192.0.2.2', '192.0.2.254'), 'fp1');
    assert.equal(await egress('192.0.2.2', '198.51.100.7'), 'fp1');
  });
});
