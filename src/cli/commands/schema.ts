import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import { jsonSchemaOf, SCHEMAS, type SchemaName } from '../../config/schemas.ts';

const NAMES = Object.keys(SCHEMAS) as SchemaName[];

const schema: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of a node spec, lab scenario or zones file (for editors)',
  usage: `Usage: mvtep schema ${NAMES.join('|')}

Prints the JSON Schema of one of mvtep's YAML formats, made from the same zod
schema that validates the files (src/config/schemas.ts): keys, types, ranges
and enums. Rules across fields (a gateway inside a VTEP subnet, pods on known
chassis) are checked by mvtep itself, not by the schema.

  node-spec      mvtep node plan|apply|diff|export --spec FILE
  lab-scenario   mvtep lab up --scenario FILE
  zones          mvtep verify|trace --zones FILE, mvtep ic steer --zones FILE

Examples:
  mvtep schema node-spec > node-spec.schema.json
  mvtep schema lab-scenario
  mvtep schema zones`,
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {}, true);
    const [name, ...rest] = positionals;
    if (name === undefined || rest.length > 0) throw new UsageError(`give one of ${NAMES.join(', ')}`);
    if (!(NAMES as string[]).includes(name)) throw new UsageError(`unknown schema '${name}' (known: ${NAMES.join(', ')})`, name);
    io.stdout.write(JSON.stringify(jsonSchemaOf(name as SchemaName), null, 2) + '\n');
    return 0;
  },
};

export const schemaCommands: Command[] = [schema];
