import type { CliIo, Command } from '../command.ts';
import { bounded, commandTimeout, parseCommandArgs, requireOption, TIMEOUT_HELP } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import {
  defaultDatabase, dumpDatabase, dumpToText, OvsdbClient, OvsdbRemoteError, parseRemotes, writeJsonDump,
} from '../../ovsdb/index.ts';

const dump: Command = {
  name: 'ovsdb dump',
  summary: 'print the contents of an OVSDB database (like ovsdb-client dump)',
  usage: `Usage: mvtep ovsdb dump --db REMOTE [DATABASE] [TABLE...] [--timeout SECONDS] [--json]

Reads the named tables (default: all) of DATABASE as one consistent
snapshot and prints them as tables, or as JSON with --json (UUIDs as
strings, maps as objects; streamed, rows sorted by _uuid). DATABASE defaults to the server's only database (besides _Server),
or Open_vSwitch.

  --db REMOTE        unix:PATH, tcp:HOST:PORT, ssl:HOST:PORT, or a comma list
${TIMEOUT_HELP}
  --json             machine-readable output

Exit status (docs/cli.md): 0 ok, 1 the server refused the read, 2 bad usage,
3 unreachable or no answer within --timeout.

Examples:
  mvtep ovsdb dump --db unix:/run/openvswitch/db.sock
  mvtep ovsdb dump --db tcp:192.0.2.10:6642 OVN_Southbound Chassis Encap --json
  mvtep ovsdb dump --db unix:/run/openvswitch/db.sock Interface --timeout 5`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      db: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' },
    }, true);
    const remote = requireOption(values.db, 'db');
    try {
      parseRemotes(remote);
    } catch (err) {
      // A malformed remote is bad usage, reported before connecting.
      if (err instanceof OvsdbRemoteError) throw new UsageError(`--db: ${err.message}`, remote);
      throw err;
    }
    const timeoutMs = commandTimeout(values.timeout);
    return bounded(dumpOnce(remote, positionals, values.json ?? false, timeoutMs, io), timeoutMs, `ovsdb dump of ${remote}`);
  },
};

async function dumpOnce(remote: string, positionals: string[], json: boolean, timeoutMs: number, io: CliIo): Promise<number> {
  const client = await OvsdbClient.connect(remote, { reconnect: false, connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs });
  try {
    const [first, ...rest] = positionals;
    let db: string;
    let tables: string[];
    if (first === undefined) {
      db = await defaultDatabase(client);
      tables = [];
    } else {
      const dbs = await client.listDbs();
      // One positional that is not a database but a table of the default one: accept it.
      if (dbs.includes(first)) {
        db = first;
        tables = rest;
      } else {
        db = await defaultDatabase(client);
        tables = positionals;
      }
    }
    const schema = await client.schema(db);
    for (const t of tables) {
      if (!schema.tables.has(t)) {
        throw new UsageError(`database ${db} has no table '${t}' (tables: ${[...schema.tables.keys()].sort().join(', ')})`, t);
      }
    }
    if (json) {
      await writeJsonDump(client, schema, tables.length > 0 ? tables : [...schema.tables.keys()].sort(), io.stdout);
    } else {
      io.stdout.write(dumpToText(await dumpDatabase(client, db, tables)));
    }
    return 0;
  } finally {
    client.close();
  }
}

export const ovsdbCommands: Command[] = [dump];
