import { OvsdbCodecError } from './errors.ts';
import { encodeAtom, encodeKeySet, encodeValue, type WireValue } from './codec.ts';
import { columnOf, type TableSchema } from './schema.ts';

export type ConditionFunction = '<' | '<=' | '==' | '!=' | '>=' | '>' | 'includes' | 'excludes';
/** `[column, function, value]` with a decoded-style value (e.g. `['name', '==', 'br-int']`). */
export type Condition = readonly [column: string, fn: ConditionFunction, value: unknown];
export type Mutator = '+=' | '-=' | '*=' | '/=' | '%=' | 'insert' | 'delete';
/** `[column, mutator, value]`, e.g. `['external_ids', 'delete', ['k']]`. */
export type Mutation = readonly [column: string, mutator: Mutator, value: unknown];

/** RFC 7047 operations in wire notation (what `transact` sends). */
export type WireCondition = [string, ConditionFunction, WireValue];
export type WireMutation = [string, Mutator, WireValue];
export type WireRow = Record<string, WireValue>;
export type WireOperation =
  | { op: 'insert'; table: string; row: WireRow; 'uuid-name'?: string; uuid?: string }
  | { op: 'select'; table: string; where: WireCondition[]; columns?: string[] }
  | { op: 'update'; table: string; where: WireCondition[]; row: WireRow }
  | { op: 'mutate'; table: string; where: WireCondition[]; mutations: WireMutation[] }
  | { op: 'delete'; table: string; where: WireCondition[] }
  | { op: 'wait'; table: string; where: WireCondition[]; columns: string[]; until: '==' | '!='; rows: WireRow[]; timeout?: number }
  | { op: 'commit'; durable: boolean }
  | { op: 'abort' }
  | { op: 'comment'; comment: string }
  | { op: 'assert'; lock: string };

/** One element of a transact reply. */
export interface OperationResult {
  readonly uuid?: ['uuid', string];
  readonly rows?: Record<string, unknown>[];
  readonly count?: number;
  readonly error?: string;
  readonly details?: string;
}

const CONDITION_FUNCTIONS: ReadonlySet<string> = new Set(['<', '<=', '==', '!=', '>=', '>', 'includes', 'excludes']);
const ARITHMETIC: ReadonlySet<string> = new Set(['+=', '-=', '*=', '/=', '%=']);

export function encodeRow(table: TableSchema, row: Readonly<Record<string, unknown>>): WireRow {
  const out: WireRow = {};
  for (const [name, value] of Object.entries(row)) {
    if (name === '_uuid' || name === '_version') {
      throw new OvsdbCodecError(`${table.name}.${name} cannot be written`, name);
    }
    if (value === undefined) continue;
    out[name] = encodeValue(columnOf(table, name), value, table);
  }
  return out;
}

export function encodeWhere(table: TableSchema, where: readonly Condition[]): WireCondition[] {
  return where.map(([column, fn, value]) => {
    if (!CONDITION_FUNCTIONS.has(fn)) throw new OvsdbCodecError(`${table.name}: unknown condition function '${fn}'`, fn);
    const col = columnOf(table, column);
    if (['<', '<=', '>=', '>'].includes(fn) && (col.kind !== 'scalar' || !['integer', 'real'].includes(col.type.key.type))) {
      // The server also accepts these on optional numbers; keep the check to scalar/optional numeric columns.
      if (!(col.kind === 'set' && col.type.max === 1 && ['integer', 'real'].includes(col.type.key.type))) {
        throw new OvsdbCodecError(`${table.name}.${column}: '${fn}' needs an integer or real column`, fn);
      }
    }
    return [column, fn, encodeValue(col, value, table, { partial: true })];
  });
}

export function encodeMutations(table: TableSchema, mutations: readonly Mutation[]): WireMutation[] {
  return mutations.map(([column, mutator, value]) => {
    const col = columnOf(table, column);
    if (ARITHMETIC.has(mutator)) {
      if (!['integer', 'real'].includes(col.type.key.type)) {
        throw new OvsdbCodecError(`${table.name}.${column}: '${mutator}' needs an integer or real column`, mutator);
      }
      return [column, mutator, encodeAtom(col.type.key, value, `${table.name}.${column}`)];
    }
    if (mutator !== 'insert' && mutator !== 'delete') {
      throw new OvsdbCodecError(`${table.name}.${column}: unknown mutator '${String(mutator)}'`, mutator);
    }
    if (col.kind === 'scalar') {
      throw new OvsdbCodecError(`${table.name}.${column}: '${mutator}' needs a set or map column`, mutator);
    }
    if (col.kind === 'map' && mutator === 'delete' && (Array.isArray(value) || value instanceof Set)) {
      return [column, mutator, encodeKeySet(col, value, table)];
    }
    return [column, mutator, encodeValue(col, value, table, { partial: true })];
  });
}
