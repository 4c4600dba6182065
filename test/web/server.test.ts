import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startDashboardServer } from '../../src/web/server.ts';
import { ViewHub } from '../../src/web/hub.ts';
import { buildDashboardView } from '../../src/web/buildView.ts';
import { checkBind } from '../../src/web/listen.ts';
import { isLoopback, parseListen } from '../../src/config/index.ts';
import { MvtepError, UsageError } from '../../src/util/errors.ts';
import { seedInputs } from './fixture.ts';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function get(port: number, path: string, opts: { method?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.host ? { host: opts.host } : {} }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('--listen parsing and the loopback rule', () => {
  assert.deepEqual(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListen('9000'), { host: '127.0.0.1', port: 9000 });
  assert.deepEqual(parseListen('localhost:1'), { host: 'localhost', port: 1 });
  for (const bad of ['127.0.0.1', '127.0.0.1:99999', 'host.example:80', ':80', '::1:80', '127.0.0.1:8x']) {
    assert.throws(() => parseListen(bad), (e: unknown) => e instanceof UsageError && e.input === bad, bad);
  }
  assert.ok(isLoopback('127.0.0.2') && isLoopback('::1') && isLoopback('localhost') && isLoopback('::ffff:127.0.0.1'));
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.0.2.1') && !isLoopback('::'));
  assert.throws(() => checkBind({ host: '0.0.0.0', port: 1 }, false), (e: unknown) => e instanceof MvtepError && e.code === 'listen-not-loopback');
  assert.doesNotThrow(() => checkBind({ host: '0.0.0.0', port: 1 }, true));
});

test('the server refuses a non-loopback bind unless allowed', async () => {
  await assert.rejects(startDashboardServer({ hub: new ViewHub(), listen: { host: '0.0.0.0', port: 0 } }),
    (e: unknown) => e instanceof MvtepError && e.code === 'listen-not-loopback');
});

test('serves the page, the view, SSE updates, and nothing writable', async (t) => {
  const hub = new ViewHub();
  const server = await startDashboardServer({ hub, listen: { host: '127.0.0.1', port: 0 }, heartbeatMs: 50 });
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);

  const noView = await get(server.port, '/api/view');
  assert.equal(noView.status, 503);

  const page = await get(server.port, '/');
  assert.equal(page.status, 200);
  assert.match(page.body, /data-testid="topology"/);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+'/);
  assert.doesNotMatch(page.body, /https?:\/\/(?!www\.w3\.org)/, 'the page loads nothing from the network');

  // SSE: the stream carries the current view at connect and each published one.
  const events: string[] = [];
  let gotTwo!: () => void;
  const two = new Promise<void>((r) => (gotTwo = r));
  const req = request({ host: '127.0.0.1', port: server.port, path: '/api/events' }, (res) => {
    assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
    let buf = '';
    res.on('data', (b: Buffer) => {
      buf += b.toString();
      let at: number;
      while ((at = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, at);
        buf = buf.slice(at + 2);
        const data = frame.split('\n').find((l) => l.startsWith('data: '));
        if (frame.startsWith('event: view') && data) events.push(data.slice(6));
        if (events.length === 2) gotTwo();
      }
    });
  });
  req.end();
  t.after(() => req.destroy());
  const healthy = buildDashboardView(seedInputs(3));
  hub.publish(healthy);
  await waitFor(() => events.length >= 1);
  const broken = buildDashboardView(seedInputs(3, { brokenPod: 'storage-hv1' }));
  hub.publish(broken);
  await two;
  assert.equal(JSON.parse(events[0]!).summary.pathsOk, 18);
  assert.equal(JSON.parse(events[1]!).summary.pathsOk, 16);

  const view = await get(server.port, '/api/view');
  assert.equal(view.status, 200);
  assert.equal(JSON.parse(view.body).summary.errors, 1);

  assert.equal((await get(server.port, '/api/view', { method: 'POST' })).status, 405);
  assert.equal((await get(server.port, '/api/view', { method: 'DELETE' })).status, 405);
  assert.equal((await get(server.port, '/nope')).status, 404);
  assert.equal((await get(server.port, '/healthz')).body, 'ok\n');
  // DNS rebinding: a loopback-bound dashboard only answers loopback Host names.
  assert.equal((await get(server.port, '/api/view', { host: 'evil.example:80' })).status, 403);
  assert.equal((await get(server.port, '/api/view', { host: `localhost:${server.port}` })).status, 200);
});

test('close() ends open event streams so shutdown never hangs', async () => {
  const hub = new ViewHub(buildDashboardView(seedInputs(2)));
  const server = await startDashboardServer({ hub, listen: { host: '127.0.0.1', port: 0 } });
  const ended = new Promise<void>((resolve) => {
    request({ host: '127.0.0.1', port: server.port, path: '/api/events' }, (res) => {
      res.on('data', () => undefined);
      res.on('close', () => resolve());
    }).end();
  });
  await waitFor(() => hub.subscribers === 1);
  await server.close();
  await ended;
  assert.equal(hub.subscribers, 0);
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
