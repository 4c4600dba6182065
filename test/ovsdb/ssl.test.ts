import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OvsdbClient, OvsdbConnectionError } from '../../src/ovsdb/index.ts';
import { run } from '../../src/util/exec.ts';
import { freePort, startServer, waitFor, type TestServer } from './server.ts';

let dir: string;
let srv: TestServer;
let port: number;


/** A CA and a certificate it signed for `name` (PEM files in dir). */
async function pki(ca: string, names: string[]): Promise<void> {
  await run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, `${ca}.key`), '-out', join(dir, `${ca}.crt`),
    '-subj', `/CN=${ca}`, '-days', '2']);
  for (const name of names) {
    await run(['openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.csr`), '-subj', `/CN=${name}`]);
    await run(['openssl', 'x509', '-req', '-in', join(dir, `${name}.csr`), '-CA', join(dir, `${ca}.crt`), '-CAkey', join(dir, `${ca}.key`),
      '-CAcreateserial', '-out', join(dir, `${name}.crt`), '-days', '2']);
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mvtep-ssl-'));
  await pki('ca', ['server', 'client']);
  await pki('other-ca', ['stranger']);
  port = await freePort();
  srv = await startServer({
    extraRemotes: [`pssl:${port}:127.0.0.1`],
    extraArgs: [`--private-key=${join(dir, 'server.key')}`, `--certificate=${join(dir, 'server.crt')}`, `--ca-cert=${join(dir, 'ca.crt')}`],
  });
});
after(async () => {
  await srv?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('ssl: remote with key, certificate and CA: mutual TLS with a real ovsdb-server', async () => {
  const tls = { privateKeyFile: join(dir, 'client.key'), certificateFile: join(dir, 'client.crt'), caCertFile: join(dir, 'ca.crt') };
  const client = await waitFor('ssl listener', () => OvsdbClient.connect(`ssl:127.0.0.1:${port}`, { ...tls, reconnect: false }).catch(() => undefined));
  try {
    assert.deepEqual((await client.listDbs()).sort(), ['Open_vSwitch', '_Server']);
    const tx = client.transaction('Open_vSwitch');
    tx.insert('Open_vSwitch', { external_ids: { via: 'ssl' } });
    await tx.commit();
    const cache = client.monitor('Open_vSwitch', { Open_vSwitch: ['external_ids'] });
    await cache.ready;
    assert.equal(([...cache.rows('Open_vSwitch').values()][0]!['external_ids'] as Map<string, string>).get('via'), 'ssl');
  } finally {
    client.close();
  }
});

test('ssl: a server certificate from another CA is refused', async () => {
  const tls = { privateKeyFile: join(dir, 'client.key'), certificateFile: join(dir, 'client.crt'), caCertFile: join(dir, 'other-ca.crt') };
  await assert.rejects(OvsdbClient.connect(`ssl:127.0.0.1:${port}`, { ...tls, reconnect: false, connectTimeoutMs: 5000 }),
    (e: unknown) => e instanceof OvsdbConnectionError && /cannot connect to ssl:127\.0\.0\.1/.test(e.message));
});

test('ssl: the server refuses a client certificate from another CA', async () => {
  const tls = { privateKeyFile: join(dir, 'stranger.key'), certificateFile: join(dir, 'stranger.crt'), caCertFile: join(dir, 'ca.crt') };
  const attempt = async () => {
    const c = await OvsdbClient.connect(`ssl:127.0.0.1:${port}`, { ...tls, reconnect: false, connectTimeoutMs: 5000 });
    try {
      return await c.listDbs({ timeoutMs: 5000 });
    } finally {
      c.close();
    }
  };
  await assert.rejects(attempt(), OvsdbConnectionError);
});
