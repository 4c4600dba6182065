import { OvsdbClient } from '../src/ovsdb/index.ts';
import { startServer, type TestServer } from '../test/ovsdb/server.ts';
import { loadPortBindings } from '../test/ovsdb/fixtures.ts';

/** An ovsdb-server with an SB database holding `rows` Port_Binding rows (10k inserts a transaction); the caller stops it. */
export async function startPortBindingServer(rows: number): Promise<TestServer> {
  const srv = await startServer({ schemas: ['sb'] });
  try {
    const loader = await OvsdbClient.connect(srv.remote);
    const tLoad = performance.now();
    await loadPortBindings(loader, rows, { batch: 10_000 });
    loader.close();
    console.error(`loaded ${rows} Port_Binding rows in ${((performance.now() - tLoad) / 1000).toFixed(1)} s`);
    return srv;
  } catch (err) {
    await srv.stop();
    throw err;
  }
}
