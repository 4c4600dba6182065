// Public API of the OVSDB client. Import from here, not from the files.
export { OvsdbClient, DEFAULT_REQUEST_TIMEOUT_MS, type ClientOptions, type ClientEvents } from './client.ts';
export {
  OvsdbError, OvsdbConnectionError, OvsdbTimeoutError, OvsdbCancelledError, OvsdbProtocolError,
  OvsdbRpcError, OvsdbCodecError, OvsdbTransactionError,
} from './errors.ts';
export { Uuid, NamedUuid } from './uuid.ts';
export type { Atom, Value, Row, AtomInput, ValueInput, WireAtom, WireValue } from './codec.ts';
export { encodeValue, encodeAtom, defaultValue, columnDecoder } from './codec.ts';
export {
  parseDatabaseSchema, tableOf, columnOf,
  type DatabaseSchema, type TableSchema, type ColumnSchema, type ColumnType, type BaseType, type ColumnKind, type AtomicType,
} from './schema.ts';
export type {
  Condition, ConditionFunction, Mutation, Mutator, WireOperation, WireCondition, WireMutation, WireRow, OperationResult,
} from './ops.ts';
export { Transaction, CommitResult, Selection, type WaitSpec, type Transactor } from './transaction.ts';
export {
  MonitorCache, mapKeyOf,
  type MonitorSpec, type MonitorTableSpec, type MonitorOptions, type MonitorRequest, type MonitorMethod, type MonitorSelect,
  type RowChange, type ChangeInfo, type MonitorEvents,
} from './monitor.ts';
export type { IndexKey, IndexKeyFn } from './cacheTable.ts';
export { OvsdbLock } from './lock.ts';
export { parseRemote, parseRemotes, OvsdbRemoteError, type Remote, type TlsOptions } from './remote.ts';
export type { RequestOptions } from './rpc.ts';
export { JsonStreamParser } from './framing.ts';
export { bumpNextCfgAndWait, waitForCurCfg, type VswitchWaitOptions, type VswitchWaitResult } from './vswitch.ts';
export { dumpDatabase, defaultDatabase, dumpToJson, dumpToText, valueText, valueJson, type Dump, type DumpTable } from './dump.ts';
export { writeJsonDump } from './jsonDump.ts';
export type { RowSink } from './replySplitter.ts';
export type { MonitorSpecFor } from './monitor.ts';
export type {
  TableMap, TableName, RowOf, ColumnName, InputOf, RowInput, RowInputFor, ConditionFor, MutationFor,
} from './typed.ts';
export { unixctl, deriveAppctlTarget, UnixctlError } from './unixctl.ts';
