import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentListen as parseListen, ListenError, serveAgentHttp, startAgent } from '../../src/node/agent/index.ts';
import { UsageError } from '../../src/util/errors.ts';
import { startOvs } from './agentHarness.ts';

test('--listen accepts loopback HOST:PORT only', () => {
  assert.deepEqual(parseListen('127.0.0.1:9476'), { host: '127.0.0.1', port: 9476 });
  assert.deepEqual(parseListen('[::1]:9476'), { host: '::1', port: 9476 });
  assert.deepEqual(parseListen('localhost:0'), { host: 'localhost', port: 0 });
  // The dashboard's grammar (one parser in src/config): a bare port is loopback too.
  assert.deepEqual(parseListen('9476'), { host: '127.0.0.1', port: 9476 });
  for (const bad of ['0.0.0.0:9476', '192.0.2.1:9476', '[2001:db8::1]:1']) {
    assert.throws(() => parseListen(bad), (e: unknown) => e instanceof ListenError && e.code === 'agent-bad-listen' && e.input === bad, bad);
  }
  // Not HOST:PORT at all is bad usage (exit 2), as for `mvtep ui --listen`.
  for (const bad of ['127.0.0.1', '127.0.0.1:99999', ':9476', 'x:y']) {
    assert.throws(() => parseListen(bad), (e: unknown) => e instanceof UsageError && e.input === bad, bad);
  }
});

test('/healthz: 200 while the agent runs, 503 once it stopped; /metrics is GET only', async (t) => {
  const h = await startOvs();
  t.after(() => h.down());
  const agent = await startAgent({ ovsdb: h.remote, sysfsRoot: h.sysfs.root, resyncMs: 0 });
  t.after(() => agent.stop());
  await agent.ready;
  const http = await serveAgentHttp(agent, '127.0.0.1:0');
  t.after(() => http.close());
  const url = `http://127.0.0.1:${http.port}`;
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/metrics`, { method: 'POST' })).status, 405);
  assert.match(await (await fetch(`${url}/metrics`)).text(), /^mvtep_agent_up 1$/m);
  await agent.stop();
  const hz = await fetch(`${url}/healthz`);
  assert.equal(hz.status, 503);
  assert.equal(((await hz.json()) as { ok: boolean }).ok, false);
  assert.match(await (await fetch(`${url}/metrics`)).text(), /^mvtep_agent_up 0$/m);
});
