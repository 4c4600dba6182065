import { OvsdbCodecError, OvsdbTransactionError } from './errors.ts';
import type { Row } from './codec.ts';
import {
  encodeMutations, encodeRow, encodeWhere,
  type Condition, type Mutation, type OperationResult, type WireOperation,
} from './ops.ts';
import { columnOf, tableOf, type DatabaseSchema } from './schema.ts';
import { decodeRow, tableCodec } from './rowCodec.ts';
import type { RequestOptions } from './rpc.ts';
import { NamedUuid, Uuid } from './uuid.ts';
import type { ColumnName, ConditionFor, MutationFor, RowInputFor, RowOf, TableMap, TableName } from './typed.ts';

/** What a Transaction needs from the client (kept small so tests can drive it directly). */
export interface Transactor {
  schema(db: string): Promise<DatabaseSchema>;
  transact(db: string, ops: WireOperation[], opts?: RequestOptions): Promise<OperationResult[]>;
}

type OpBuilder = (schema: DatabaseSchema) => WireOperation;

export interface WaitSpec {
  readonly columns: readonly string[];
  readonly until: '==' | '!=';
  /** Rows (decoded style, only the listed columns) the selected rows must (not) equal. */
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  /** Server-side wait in ms (0: check once). */
  readonly timeoutMs?: number;
}

/** Rows returned by a `select` in a committed transaction. */
export class Selection<R = Row> {
  readonly index: number;
  private value: R[] | undefined;
  constructor(index: number) {
    this.index = index;
  }
  get rows(): R[] {
    if (!this.value) throw new OvsdbCodecError('selection read before the transaction committed', this.index);
    return this.value;
  }
  /** @internal */
  fill(rows: R[]): void {
    this.value = rows;
  }
}

export class CommitResult {
  /** The raw per-operation results (wire notation). */
  readonly results: readonly OperationResult[];
  private readonly names: ReadonlyMap<string, number>;

  constructor(results: readonly OperationResult[], names: ReadonlyMap<string, number>) {
    this.results = results;
    this.names = names;
  }

  /** The real UUID of a row inserted under a NamedUuid (or its name). */
  uuid(ref: NamedUuid | string): Uuid {
    const name = typeof ref === 'string' ? ref : ref.name;
    const i = this.names.get(name);
    const u = i === undefined ? undefined : this.results[i]?.uuid;
    if (!u) throw new OvsdbCodecError(`no row was inserted as '${name}'`, name);
    return Uuid.trusted(u[1]);
  }

  /** Rows matched by the update/mutate/delete at `index`. */
  count(index: number): number {
    return this.results[index]?.count ?? 0;
  }
}

/**
 * Collects operations with decoded-style values; commit() validates them
 * against the server's schema, sends one transact and checks every result.
 */
export class Transaction<T extends TableMap = TableMap> {
  readonly db: string;
  private readonly client: Transactor;
  private readonly builders: OpBuilder[] = [];
  private readonly names = new Map<string, number>();
  private readonly selections: { sel: Selection<unknown>; table: string }[] = [];
  private nextName = 1;

  constructor(client: Transactor, db: string) {
    this.client = client;
    this.db = db;
  }

  /** Number of operations so far (the index the next operation gets). */
  get size(): number {
    return this.builders.length;
  }

  /** Inserts a row; the returned NamedUuid may be used as a value in later operations. */
  insert<K extends TableName<T>>(table: K, row: RowInputFor<T, K>, name?: string | NamedUuid): NamedUuid {
    const ref = name instanceof NamedUuid ? name : new NamedUuid(name ?? `row${this.nextName++}`);
    if (this.names.has(ref.name)) throw new OvsdbCodecError(`named-uuid '${ref.name}' used twice`, ref.name);
    this.names.set(ref.name, this.builders.length);
    this.builders.push((s) => ({ op: 'insert', table, row: encodeRow(tableOf(s, table), row as Readonly<Record<string, unknown>>), 'uuid-name': ref.name }));
    return ref;
  }

  select<K extends TableName<T>>(table: K, where: readonly ConditionFor<T, K>[], columns?: readonly ColumnName<T, K>[]): Selection<RowOf<T, K>> {
    const sel = new Selection<RowOf<T, K>>(this.builders.length);
    this.selections.push({ sel: sel as Selection<unknown>, table });
    this.builders.push((s) => {
      const t = tableOf(s, table);
      columns?.forEach((c) => columnOf(t, c));
      return columns
        ? { op: 'select', table, where: encodeWhere(t, where), columns: [...columns] }
        : { op: 'select', table, where: encodeWhere(t, where) };
    });
    return sel;
  }

  /** Replaces whole column values. For maps use setMapKeys/deleteMapKeys instead. */
  update<K extends TableName<T>>(table: K, where: readonly ConditionFor<T, K>[], row: RowInputFor<T, K>): this {
    this.builders.push((s) => {
      const t = tableOf(s, table);
      return { op: 'update', table, where: encodeWhere(t, where), row: encodeRow(t, row as Readonly<Record<string, unknown>>) };
    });
    return this;
  }

  mutate<K extends TableName<T>>(table: K, where: readonly ConditionFor<T, K>[], mutations: readonly MutationFor<T, K>[]): this {
    this.builders.push((s) => {
      const t = tableOf(s, table);
      return { op: 'mutate', table, where: encodeWhere(t, where), mutations: encodeMutations(t, mutations) };
    });
    return this;
  }

  delete<K extends TableName<T>>(table: K, where: readonly ConditionFor<T, K>[]): this {
    this.builders.push((s) => ({ op: 'delete', table, where: encodeWhere(tableOf(s, table), where) }));
    return this;
  }

  /** Optimistic concurrency: fail (or block up to timeoutMs) unless the rows match. */
  wait<K extends TableName<T>>(table: K, where: readonly ConditionFor<T, K>[], spec: WaitSpec): this {
    this.builders.push((s) => {
      const t = tableOf(s, table);
      const op: WireOperation = {
        op: 'wait', table, where: encodeWhere(t, where), columns: spec.columns.map((c) => columnOf(t, c).name),
        until: spec.until, rows: spec.rows.map((r) => encodeRow(t, r)),
      };
      if (spec.timeoutMs !== undefined) op.timeout = spec.timeoutMs;
      return op;
    });
    return this;
  }

  comment(text: string): this {
    this.builders.push(() => ({ op: 'comment', comment: text }));
    return this;
  }

  /** Fails the transaction unless this session holds `lock`. */
  assert(lock: string): this {
    this.builders.push(() => ({ op: 'assert', lock }));
    return this;
  }

  /** Asks for a durable commit (fsync before the reply). */
  durable(): this {
    this.builders.push(() => ({ op: 'commit', durable: true }));
    return this;
  }

  abort(): this {
    this.builders.push(() => ({ op: 'abort' }));
    return this;
  }

  /**
   * Sets map keys without touching the others: ONE mutate that first deletes
   * the keys, then inserts the new pairs (a plain insert would keep an old value).
   */
  setMapKeys<K extends TableName<T>>(table: K, where: readonly ConditionFor<T, K>[], column: ColumnName<T, K>,
    pairs: Readonly<Record<string, unknown>> | ReadonlyMap<unknown, unknown>): this {
    const keys = pairs instanceof Map ? [...pairs.keys()] : Object.keys(pairs);
    if (keys.length === 0) return this;
    return this.mapMutate(table, where, column, [[column, 'delete', keys], [column, 'insert', pairs]]);
  }

  /** Removes map keys (whatever their values) with one mutate. */
  deleteMapKeys<K extends TableName<T>>(table: K, where: readonly ConditionFor<T, K>[], column: ColumnName<T, K>, keys: readonly unknown[]): this {
    if (keys.length === 0) return this;
    return this.mapMutate(table, where, column, [[column, 'delete', [...keys]]]);
  }

  /** Adds elements to a set column with one mutate. */
  addToSet<K extends TableName<T>>(table: K, where: readonly ConditionFor<T, K>[], column: ColumnName<T, K>, values: readonly unknown[]): this {
    return this.mutate(table, where, [[column, 'insert', [...values]]]);
  }

  /** Removes elements from a set column with one mutate. */
  removeFromSet<K extends TableName<T>>(table: K, where: readonly ConditionFor<T, K>[], column: ColumnName<T, K>, values: readonly unknown[]): this {
    return this.mutate(table, where, [[column, 'delete', [...values]]]);
  }

  /** Appends an operation already in wire notation (sent as is). */
  raw(op: WireOperation): this {
    this.builders.push(() => op);
    return this;
  }

  /** The operations in wire notation, validated against `schema`. */
  toWire(schema: DatabaseSchema): WireOperation[] {
    return this.builders.map((b) => b(schema));
  }

  /** Sends the transaction. Throws OvsdbTransactionError naming the failing operation. */
  async commit(opts: RequestOptions = {}): Promise<CommitResult> {
    const schema = await this.client.schema(this.db);
    const ops = this.toWire(schema);
    const results = await this.client.transact(this.db, ops, opts);
    for (const { sel, table } of this.selections) {
      const codec = tableCodec(tableOf(schema, table));
      const rows = results[sel.index]?.rows ?? [];
      // Rows lack `_uuid` when `columns` leaves it out.
      sel.fill(rows.map((r) => decodeRow(codec, undefined, r) as unknown));
    }
    return new CommitResult(results, this.names);
  }

  private mapMutate(table: string, where: readonly Condition[], column: string, mutations: readonly Mutation[]): this {
    this.builders.push((s) => {
      const t = tableOf(s, table);
      if (columnOf(t, column).kind !== 'map') {
        throw new OvsdbCodecError(`${table}.${column} is not a map column`, column);
      }
      return { op: 'mutate', table, where: encodeWhere(t, where), mutations: encodeMutations(t, mutations) };
    });
    return this;
  }
}

/** Throws OvsdbTransactionError for the first failed operation (or the commit). */
export function checkResults(ops: readonly WireOperation[], results: unknown): OperationResult[] {
  if (!Array.isArray(results)) {
    throw new OvsdbTransactionError(0, undefined, 'malformed reply', 'transact result is not an array', []);
  }
  const res = results as OperationResult[];
  for (let i = 0; i < res.length; i++) {
    const r = res[i];
    if (r && typeof r === 'object' && typeof r.error === 'string') {
      throw new OvsdbTransactionError(i, ops[i], r.error, r.details, res);
    }
  }
  if (res.length < ops.length) {
    throw new OvsdbTransactionError(res.length, ops[res.length], 'malformed reply', `only ${res.length} results for ${ops.length} operations`, res);
  }
  return res;
}
