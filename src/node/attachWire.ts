// The agent's attach socket protocol (docs/agent.md): newline-delimited
// JSON, one request object per line, one response per request, matched by
// `id` (a connection may carry several requests; answers come in the order
// their batches are applied). Shared by the agent (server) and
// `mvtep attach --agent` (client); kept free of the OVSDB client so the
// client process loads little.
import { MvtepError, UsageError } from '../util/errors.ts';
import { DeadlineError } from '../util/deadline.ts';
import { SriovError, type SriovErrorCode } from '../sriov/errors.ts';
import { OvsdbConnectionError, OvsdbTimeoutError, OvsdbTransactionError } from '../ovsdb/errors.ts';
import { AttachError, type AttachErrorCode } from './attachErrors.ts';
import type { AttachInput, AttachResult, DetachInput, DetachResult } from './attach.ts';

/** Longest request line the agent reads; a longer one ends the connection. */
export const MAX_LINE_BYTES = 64 * 1024;

export type AgentSocketErrorCode =
  /** The agent's queue is full: retry later. */
  | 'agent-overloaded'
  /** The request was not answered within its deadline (queued, or waiting for ovs-vswitchd). */
  | 'agent-timeout'
  /** Nothing answers on the socket (no agent, or it stopped). */
  | 'agent-unreachable'
  /** The agent stopped with the request pending. */
  | 'agent-closed'
  /** A request the agent cannot read (not JSON, unknown op, wrong field type). */
  | 'agent-bad-request'
  /** An answer the client cannot read. */
  | 'agent-protocol'
  /** --attach-socket PATH is served by a live process, or is not a socket. */
  | 'agent-socket-in-use';

/** Errors of the attach socket itself (not of an attach: those keep their own class). */
export class AgentSocketError extends MvtepError {
  declare readonly code: AgentSocketErrorCode;
  constructor(code: AgentSocketErrorCode, message: string, input?: unknown) {
    super(code, message, input);
  }
}

export type AgentRequest =
  | ({ readonly id: number | string; readonly op: 'attach' } & AttachInput)
  | ({ readonly id: number | string; readonly op: 'detach' } & DetachInput);

/** The wire form of an error: the class name lets the client rebuild the same error (same exit code). */
export interface WireError {
  readonly class: string;
  readonly code: string;
  readonly message: string;
  readonly input?: unknown;
}

export type AgentResponse =
  | { readonly id: number | string | null; readonly ok: true; readonly result: AttachResult | DetachResult }
  | { readonly id: number | string | null; readonly ok: false; readonly error: WireError };

export function encodeError(err: unknown): WireError {
  if (err instanceof MvtepError) {
    return err.input === undefined
      ? { class: err.constructor.name, code: err.code, message: err.message }
      : { class: err.constructor.name, code: err.code, message: err.message, input: err.input };
  }
  return { class: 'Error', code: 'unexpected', message: err instanceof Error ? err.message : String(err) };
}

/** The error the agent sent, as the class it was there (AttachError, SriovError, ...). */
export function decodeError(w: WireError): MvtepError {
  const input = w.input as Record<string, unknown> | undefined;
  switch (w.class) {
    case 'AttachError': return new AttachError(w.code as AttachErrorCode, w.message, w.input);
    case 'SriovError': return new SriovError(w.code as SriovErrorCode, w.message, String(w.input ?? ''));
    case 'AgentSocketError': return new AgentSocketError(w.code as AgentSocketErrorCode, w.message, w.input);
    case 'OvsdbTimeoutError': return new OvsdbTimeoutError(w.message, w.input);
    case 'OvsdbConnectionError': return new OvsdbConnectionError(w.message, String(w.input ?? ''));
    case 'OvsdbTransactionError':
      return new OvsdbTransactionError(Number(input?.['index'] ?? 0), input?.['op'], String(input?.['error'] ?? w.message),
        typeof input?.['details'] === 'string' ? input['details'] : undefined, []);
    case 'DeadlineError': return new DeadlineError(w.message, w.input);
    case 'UsageError': return new UsageError(w.message, w.input);
    default: return new MvtepError(w.code, w.message, w.input);
  }
}

const STRING_FIELDS = ['iface', 'ifaceId', 'device', 'bridge', 'attachedMac', 'ifaceIdVer', 'ifaceType'] as const;

function bad(message: string, input: unknown): AgentSocketError {
  return new AgentSocketError('agent-bad-request', message, input);
}

/** Checks one parsed request line; throws agent-bad-request naming the field. */
export function parseRequest(v: unknown): AgentRequest {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad('a request is a JSON object', v);
  const o = v as Record<string, unknown>;
  if (typeof o['id'] !== 'number' && typeof o['id'] !== 'string') throw bad('request field id must be a number or a string', o['id']);
  if (o['op'] !== 'attach' && o['op'] !== 'detach') throw bad(`request field op must be attach or detach, not ${JSON.stringify(o['op'])}`, o['op']);
  for (const f of STRING_FIELDS) {
    if (o[f] !== undefined && typeof o[f] !== 'string') throw bad(`request field ${f} must be a string`, { field: f, value: o[f] });
  }
  if (o['wait'] !== undefined && typeof o['wait'] !== 'boolean') throw bad('request field wait must be a boolean', o['wait']);
  if (o['timeoutMs'] !== undefined && (typeof o['timeoutMs'] !== 'number' || !(o['timeoutMs'] > 0))) {
    throw bad('request field timeoutMs must be a positive number of milliseconds', o['timeoutMs']);
  }
  const extra = o['extraIds'];
  if (extra !== undefined) {
    if (!extra || typeof extra !== 'object' || Array.isArray(extra)) throw bad('request field extraIds must be an object of strings', extra);
    for (const [k, x] of Object.entries(extra)) if (typeof x !== 'string') throw bad(`request field extraIds.${k} must be a string`, { key: k, value: x });
  }
  if (o['op'] === 'attach' && (typeof o['iface'] !== 'string' || typeof o['ifaceId'] !== 'string')) {
    throw bad('attach needs iface and ifaceId', { iface: o['iface'], ifaceId: o['ifaceId'] });
  }
  return o as unknown as AgentRequest;
}
