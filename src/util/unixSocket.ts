import { createConnection } from 'node:net';

/** True when something accepts a connection on the unix socket `path` (a socket file alone may be stale). */
export function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
