import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OvsdbClient, OvsdbTimeoutError } from '../../src/ovsdb/index.ts';
import { freePort, startServer, waitFor, type TestServer } from './server.ts';

let srv: TestServer;
let port: number;


before(async () => {
  port = await freePort();
  srv = await startServer({ extraRemotes: [`ptcp:${port}:127.0.0.1`] });
  await waitFor('tcp listener', async () => {
    const c = await OvsdbClient.connect(`tcp:127.0.0.1:${port}`, { reconnect: false }).catch(() => undefined);
    c?.close();
    return c ? true : undefined;
  });
});
after(async () => {
  try {
    process.kill(srv.pid()!, 'SIGCONT');
  } catch {
    // already gone
  }
  await srv?.stop();
});

test('over TCP the server probes with echo after idle time; the client answers and stays connected', async () => {
  const client = await OvsdbClient.connect(`tcp:127.0.0.1:${port}`, { probeIntervalMs: 0, reconnect: false });
  let disconnected = false;
  client.on('disconnected', () => (disconnected = true));
  try {
    await new Promise<void>((resolve) => client.once('echo', () => resolve()));
    // ovsdb-server would have dropped us one probe interval after an unanswered echo.
    assert.deepEqual(await client.echo(['after-probe']), ['after-probe']);
    assert.equal(disconnected, false);
    assert.deepEqual((await client.listDbs()).sort(), ['Open_vSwitch', '_Server']);
  } finally {
    client.close();
  }
});

test('our inactivity probe drops a stalled server (SIGSTOP) and reconnects when it resumes', async () => {
  const client = await OvsdbClient.connect(`tcp:127.0.0.1:${port}`, { probeIntervalMs: 300, backoffMinMs: 100, backoffMaxMs: 200 });
  const events: unknown[] = [];
  client.on('disconnected', (e) => events.push(e));
  client.on('connected', () => events.push('connected'));
  try {
    process.kill(srv.pid()!, 'SIGSTOP');
    await waitFor('probe failure', () => events.length > 0 || undefined, 15_000);
    assert.ok(events[0] instanceof OvsdbTimeoutError && /inactivity probe/.test(events[0].message), String(events[0]));
    process.kill(srv.pid()!, 'SIGCONT');
    await waitFor('reconnected', () => events.includes('connected') || undefined, 15_000);
    assert.deepEqual(await client.echo(['back'], { timeoutMs: 5000 }), ['back']);
  } finally {
    process.kill(srv.pid()!, 'SIGCONT');
    client.close();
  }
});
