import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface TcpListener {
  readonly pid: number;
  /** The process' short name (/proc/PID/comm). */
  readonly command: string;
}

/** Inodes of the sockets listening on `port` in this network namespace (/proc/net/tcp and tcp6). */
function listeningInodes(port: number, procRoot: string): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['net/tcp', 'net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(join(procRoot, file), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = TCP_LISTEN
      if (f[1]!.split(':')[1] === hexPort) inodes.add(f[9]!);
    }
  }
  return inodes;
}

/**
 * The process listening on TCP `port`, from /proc, to name it when a bind
 * fails. Best effort: undefined when the socket's owner is not visible (another
 * PID namespace, no permission) or nothing listens.
 */
export function tcpListener(port: number, procRoot = '/proc'): TcpListener | undefined {
  const inodes = listeningInodes(port, procRoot);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(join(procRoot, pid, 'fd'));
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(join(procRoot, pid, 'fd', fd));
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (!m || !inodes.has(m[1]!)) continue;
      let command = '?';
      try {
        command = readFileSync(join(procRoot, pid, 'comm'), 'utf8').trim();
      } catch {
        // gone meanwhile: the pid is still worth naming
      }
      return { pid: Number(pid), command };
    }
  }
  return undefined;
}
