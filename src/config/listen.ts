import { isIP } from 'node:net';
import { UsageError } from '../util/errors.ts';

/** Where a server listens (`--listen` of the dashboard, the demo and the agent). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Bare `PORT` listens here: loopback. */
export const LOOPBACK_HOST = '127.0.0.1';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped !== null && mapped[1]!.startsWith('127.');
}

/**
 * Parses `--listen`: `HOST:PORT`, `[V6]:PORT` or a bare `PORT` (loopback).
 * Port 0 asks the kernel for a free port.
 */
export function parseListen(text: string): ListenAddress {
  const value = text.trim();
  // [V6]:PORT, HOST:PORT (no other colon) or PORT alone.
  const m = /^(?:\[([^\]]+)\]:|([^:[\]]+):)?(\d+)$/.exec(value);
  if (!m) throw new UsageError(`--listen: '${text}' is not HOST:PORT, [IPv6]:PORT or PORT`, text);
  const host = m[1] ?? m[2] ?? LOOPBACK_HOST;
  const portText = m[3]!;
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`--listen: port '${portText}' in '${text}' is not a number from 0 to 65535`, text);
  }
  if (host !== 'localhost' && isIP(host) === 0) {
    throw new UsageError(`--listen: host '${host}' in '${text}' is not an IP address or localhost`, text);
  }
  return { host, port };
}
