// Type-level helpers that let the generated table models (src/schema)
// type monitor() and transaction(). Without a type argument everything stays
// loosely typed (string table/column names, unknown values).
import type { Row } from './codec.ts';
import type { ConditionFunction, Mutator } from './ops.ts';
import type { NamedUuid, Uuid } from './uuid.ts';

/** Table name -> row type, e.g. OpenVSwitchTables from src/schema. */
export type TableMap = { readonly [table: string]: Row };

type Generic<T> = string extends keyof T ? true : false;

export type TableName<T> = keyof T & string;
export type RowOf<T, K> = K extends keyof T ? T[K] : Row;
export type ColumnName<T, K> = Generic<T> extends true ? string : keyof RowOf<T, K> & string;

/** What may be written into a column whose decoded type is V. */
export type InputOf<V> = V extends Uuid
  ? Uuid | NamedUuid | string
  : V extends readonly (infer E)[]
    ? readonly InputOf<E>[] | InputOf<E>
    : V extends Map<infer MK, infer MV>
      ? ReadonlyMap<InputOf<MK>, InputOf<MV>> | { readonly [key: string]: InputOf<MV> }
      : V;

/** A row to insert/update: any subset of the writable columns. */
export type RowInput<R> = { readonly [C in Exclude<keyof R & string, '_uuid' | '_version'>]?: InputOf<R[C]> };

export type RowInputFor<T, K> = Generic<T> extends true ? Readonly<Record<string, unknown>> : RowInput<RowOf<T, K>>;
export type ConditionFor<T, K> = readonly [column: ColumnName<T, K>, fn: ConditionFunction, value: unknown];
export type MutationFor<T, K> = readonly [column: ColumnName<T, K>, mutator: Mutator, value: unknown];
