import type { Writable } from 'node:stream';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;
/** Structured log sink: one event, a short message and machine-readable fields. */
export type AgentLog = (level: LogLevel, msg: string, fields?: LogFields) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** JSON lines (`{"ts","level","msg",...fields}`), one per event, at or above `min`. */
export function jsonLogger(out: Writable, min: LogLevel = 'info', base: LogFields = {}): AgentLog {
  return (level, msg, fields) => {
    if (ORDER[level] < ORDER[min]) return;
    out.write(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...base, ...fields }) + '\n');
  };
}

export const silentLog: AgentLog = () => {};
