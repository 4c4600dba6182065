import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  Iproute2, MVTEP_PROTO, RoutingError, parseRouteGet, parseRoutes, parseRules, parseLinks, type IpRule,
} from '../../src/routing/index.ts';
import { run } from '../../src/util/exec.ts';

describe('iproute2 JSON parsing', () => {
  test('rules: src/srclen, table names, protocol, foreign selectors', () => {
    const rules = parseRules(JSON.stringify([
      { priority: 0, src: 'all', table: 'local' },
      { priority: 6081, src: '192.0.2.1', table: '6081', protocol: '157' },
      { priority: 7000, src: '192.0.2.0', srclen: 24, table: '7000', protocol: 'static' },
      { priority: 8000, src: 'all', iif: 'eth0', table: 'main' },
    ]), 4);
    assert.deepEqual(rules[0], { family: 4, priority: 0, table: 'local' });
    assert.deepEqual(rules[1], { family: 4, priority: 6081, src: '192.0.2.1', table: '6081', protocol: '157' });
    assert.equal(rules[2]!.src, '192.0.2.0/24');
    assert.equal(rules[3]!.other, true);
  });

  test('routes: host routes get a length, default, gateway, prefsrc, metric', () => {
    const routes = parseRoutes(JSON.stringify([
      { dst: '192.0.2.0/24', dev: 'vtep0', protocol: '157', scope: 'link', prefsrc: '192.0.2.1', flags: [] },
      { dst: '198.51.100.0/24', gateway: '192.0.2.254', dev: 'vtep0', protocol: '157', flags: [] },
      { dst: '192.0.2.9', dev: 'x', flags: [] },
      { dst: 'default', gateway: '192.0.2.254', dev: 'x', flags: [] },
    ]), 4, '6081');
    assert.deepEqual(routes[0], { family: 4, table: '6081', dst: '192.0.2.0/24', dev: 'vtep0', scope: 'link', prefsrc: '192.0.2.1', protocol: '157' });
    assert.equal(routes[1]!.gateway, '192.0.2.254');
    assert.equal(routes[2]!.dst, '192.0.2.9/32');
    assert.equal(routes[3]!.dst, '0.0.0.0/0');
    assert.equal(parseRoutes('', 6, '1').length, 0);
  });

  test('links and route get', () => {
    const [l] = parseLinks(JSON.stringify([{
      ifindex: 3, ifname: 'vtep0', flags: ['BROADCAST', 'UP'], mtu: 1458, linkinfo: { info_kind: 'tun' },
      addr_info: [{ family: 'inet', local: '192.0.2.1', prefixlen: 24, scope: 'global' }, { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link', tentative: true }],
    }]));
    assert.deepEqual(l, {
      name: 'vtep0', ifindex: 3, mtu: 1458, up: true, kind: 'tun',
      addresses: [{ family: 4, address: '192.0.2.1', prefixLength: 24, scope: 'global' }, { family: 6, address: 'fe80::1', prefixLength: 64, scope: 'link', tentative: true }],
    });
    const r = parseRouteGet('[{"dst":"198.51.100.7","from":"192.0.2.1","gateway":"192.0.2.254","dev":"vtep0","table":"6081","flags":[],"uid":0,"cache":[]}]');
    assert.deepEqual(r, { dst: '198.51.100.7', from: '192.0.2.1', gateway: '192.0.2.254', dev: 'vtep0', table: '6081' });
  });

  test('bad output is a typed error carrying the text', () => {
    assert.throws(() => parseRules('not json', 4), (e: unknown) => e instanceof RoutingError && e.code === 'routing-bad-output');
    assert.throws(() => parseRouteGet('[]'), (e: unknown) => e instanceof RoutingError && e.code === 'routing-bad-output');
  });
});

describe('Iproute2 argv', () => {
  test('argv arrays with -n NS and the mvtep protocol; sysctl via ip netns exec', async () => {
    const seen: string[][] = [];
    const ip = new Iproute2({
      netns: 'nsx',
      exec: async (argv) => {
        seen.push([...argv]);
        return { stdout: argv.includes('sysctl') ? '0\n' : '[]', stderr: '', code: 0 };
      },
    });
    await ip.addRule({ family: 4, priority: 6081, src: '192.0.2.1', table: '6081' });
    await ip.addRoute({ family: 6, table: '6082', dst: '2001:db8:100::/48', gateway: '2001:db8:1::fe', dev: 'vtep1' });
    await ip.readRpFilter('vtep0.25');
    assert.deepEqual(seen[0], ['ip', '-n', 'nsx', '-4', 'rule', 'add', 'from', '192.0.2.1', 'lookup', '6081', 'pref', '6081', 'proto', String(MVTEP_PROTO)]);
    assert.deepEqual(seen[1], ['ip', '-n', 'nsx', '-6', 'route', 'add', '2001:db8:100::/48', 'via', '2001:db8:1::fe', 'dev', 'vtep1', 'table', '6082', 'proto', '157']);
    assert.deepEqual(seen[3], ['ip', 'netns', 'exec', 'nsx', 'sysctl', '-n', 'net/ipv4/conf/vtep0.25/rp_filter']);
  });

  test('refuses device names that are not interface names', async () => {
    const ip = new Iproute2({ exec: async () => assert.fail('must not run') });
    await assert.rejects(ip.setMtu('eth0; reboot', 1500), (e: unknown) => e instanceof RoutingError && e.code === 'routing-invalid-argument');
  });
});

describe('Iproute2 against the kernel in a private netns', { timeout: 60_000 }, () => {
  const ns = `mvr${randomBytes(3).toString('hex')}`;
  const peer = `${ns}p`;
  let ip: Iproute2;

  before(async () => {
    await run(['ip', 'netns', 'add', ns]);
    await run(['ip', 'netns', 'add', peer]);
    await run(['ip', 'link', 'add', 'vt0', 'netns', ns, 'type', 'veth', 'peer', 'name', 'gw0', 'netns', peer]);
    await run(['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    await run(['ip', '-n', peer, 'link', 'set', 'gw0', 'up']);
    ip = new Iproute2({ netns: ns });
  });
  after(async () => {
    await run(['ip', 'netns', 'del', ns], { allowFailure: true });
    await run(['ip', 'netns', 'del', peer], { allowFailure: true });
  });

  test('address, MTU, link up', async () => {
    await ip.setMtu('vt0', 1458);
    await ip.setLinkUp('vt0', true);
    await ip.addAddress('vt0', '192.0.2.1', 24);
    await ip.addAddress('vt0', '2001:db8:1::1', 64);
    const l = await ip.link('vt0');
    assert.equal(l?.mtu, 1458);
    assert.equal(l?.up, true);
    assert.ok(l?.addresses.some((a) => a.address === '192.0.2.1' && a.prefixLength === 24));
    assert.ok(l?.addresses.some((a) => a.address === '2001:db8:1::1' && !a.tentative), 'nodad: usable at once');
    assert.equal(await ip.link('nosuchdev'), undefined);
    assert.ok((await ip.listLinks()).some((x) => x.name === 'vt0'));
  });

  test('rules and routes carry the mvtep protocol; route get follows them', async () => {
    for (const fam of [4, 6] as const) {
      const [src, gw, net, dst, sup] = fam === 4
        ? ['192.0.2.1', '192.0.2.254', '192.0.2.0/24', '198.51.100.7', '198.51.100.0/24']
        : ['2001:db8:1::1', '2001:db8:1::fe', '2001:db8:1::/64', '2001:db8:100::7', '2001:db8:100::/48'];
      assert.deepEqual(await ip.listRoutes(fam, 6081), [], 'a table that does not exist yet is empty');
      await ip.addRoute({ family: fam, table: '6081', dst: net, dev: 'vt0', prefsrc: src, ...(fam === 4 ? { scope: 'link' } : {}) });
      await ip.addRoute({ family: fam, table: '6081', dst: sup, gateway: gw, dev: 'vt0' });
      await ip.addRule({ family: fam, priority: 6081, src, table: '6081' });
      const rules = await ip.listRules(fam);
      assert.ok(rules.some((r) => r.priority === 6081 && r.src === src && r.table === '6081' && r.protocol === '157'));
      const routes = await ip.listRoutes(fam, '6081');
      assert.equal(routes.length, 2);
      assert.ok(routes.every((r) => r.protocol === '157'));
      const hit = await ip.routeGet(dst, src);
      assert.equal(hit.dev, 'vt0');
      assert.equal(hit.gateway, gw);
      assert.equal(hit.table, '6081');
      for (const r of routes) await ip.deleteRoute(r);
      await ip.deleteRule(rules.find((r) => r.priority === 6081)!);
      assert.deepEqual(await ip.listRoutes(fam, '6081'), []);
      assert.ok(!(await ip.listRules(fam)).some((r) => r.priority === 6081));
    }
  });

  test('never deletes a rule or route that is not marked as mvtep\'s', async () => {
    await run(['ip', '-n', ns, 'rule', 'add', 'from', '192.0.2.50', 'lookup', '7000', 'pref', '7000', 'proto', 'static']);
    const foreign = (await ip.listRules(4)).find((r) => r.priority === 7000) as IpRule;
    assert.equal(foreign.protocol, 'static');
    await assert.rejects(ip.deleteRule(foreign), (e: unknown) => e instanceof RoutingError && e.code === 'routing-not-ours');
    // Even without the protocol in hand, the kernel only matches the mvtep-marked rule.
    await assert.rejects(ip.deleteRule({ ...foreign, protocol: undefined }), (e: unknown) => e instanceof RoutingError && e.code === 'routing-command-failed');
    assert.ok((await ip.listRules(4)).some((r) => r.priority === 7000), 'foreign rule still there');
  });

  test('failures are RoutingErrors with iproute2\'s stderr', async () => {
    await assert.rejects(ip.addRoute({ family: 4, table: '6090', dst: '198.51.100.0/24', gateway: '203.0.113.1', dev: 'vt0' }), (e: unknown) => {
      assert.ok(e instanceof RoutingError);
      assert.equal(e.code, 'routing-command-failed');
      assert.match(e.stderr ?? '', /gateway|unreachable/i);
      assert.ok(Array.isArray(e.input));
      return true;
    });
  });

  test('rp_filter read and write inside the netns', async () => {
    const before = await ip.readRpFilter('vt0');
    await ip.writeRpFilter('vt0', 1);
    assert.equal((await ip.readRpFilter('vt0')).effective, 1);
    await ip.writeRpFilter('vt0', 2);
    const now = await ip.readRpFilter('vt0');
    assert.equal(now.dev, 2);
    assert.equal(now.effective, Math.max(2, now.all));
    await ip.writeRpFilter('vt0', before.dev);
  });
});
