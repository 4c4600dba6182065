import { isIP } from 'node:net';
import { MvtepError, UsageError } from '../util/errors.ts';

export class DashboardError extends MvtepError {}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_LISTEN: ListenAddress = { host: '127.0.0.1', port: 8631 };

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
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(value);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (/^\d+$/.test(value)) {
    host = DEFAULT_LISTEN.host;
    portText = value;
  } else {
    const colon = value.lastIndexOf(':');
    if (colon <= 0 || value.indexOf(':') !== colon) {
      throw new UsageError(`--listen: '${text}' is not HOST:PORT, [IPv6]:PORT or PORT`, text);
    }
    host = value.slice(0, colon);
    portText = value.slice(colon + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`--listen: port '${portText}' in '${text}' is not a number from 0 to 65535`, text);
  }
  if (host !== 'localhost' && isIP(host) === 0) {
    throw new UsageError(`--listen: host '${host}' in '${text}' is not an IP address or localhost`, text);
  }
  return { host, port };
}

/** Refuses a non-loopback bind unless the caller asked for it explicitly. */
export function checkBind(addr: ListenAddress, allowNonLoopback: boolean): void {
  if (!isLoopback(addr.host) && !allowNonLoopback) {
    throw new DashboardError('listen-not-loopback',
      `refusing to serve the dashboard on ${addr.host}: not a loopback address (pass it with --listen to allow it explicitly)`,
      addr.host);
  }
}
