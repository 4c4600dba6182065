import { readdir, readFile, stat } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { notYet, ready, waitFor } from '../../../src/lab/wait.ts';

/** PIDs of live processes whose command line mentions `needle` (zombies have an empty cmdline). */
export async function processesMentioning(needle: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(needle)) out.push(Number(name));
  }
  return out;
}

export function netnsWithPrefix(prefix: string): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(prefix));
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Everything a lab with this id and work root could have left behind. */
export async function leftovers(root: string, labId: string): Promise<{ pids: number[]; netns: string[] }> {
  return { pids: await processesMentioning(root), netns: netnsWithPrefix(`mvl${labId}-`) };
}

/**
 * Safety net for a failed test: stops processes that mention `root` (a
 * unique temp dir of this test, so they are ours) and deletes the netns of
 * lab `labId`. Normal teardown must have done this already.
 */
export async function reap(root: string, labId?: string): Promise<void> {
  const pids = await processesMentioning(root);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  if (labId) for (const ns of netnsWithPrefix(`mvl${labId}-`)) spawnSync('ip', ['netns', 'delete', ns]);
}

/** MAC the chassis netns `ns` learnt for `ip` after sending it a datagram (ARP), or undefined. */
function arpFor(ns: string, ip: string): string | undefined {
  spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e',
    `const s=require('node:dgram').createSocket('udp4');s.send('x',9,'${ip}',()=>s.close())`]);
  const out = spawnSync('ip', ['-j', '-n', ns, 'neigh', 'show', ip], { encoding: 'utf8' }).stdout;
  const neigh = JSON.parse(out || '[]') as { lladdr?: string }[];
  return neigh[0]?.lladdr;
}

/** The MAC of `ip` once netns `ns` has learnt it (an ARP reply proves the path to it); fails after 20 s. */
export async function learntMac(ns: string, ip: string): Promise<string> {
  return waitFor(`ARP reply from ${ip}`, async () => {
    const mac = arpFor(ns, ip);
    return mac ? ready(mac) : notYet('no neighbour entry yet');
  }, 20_000);
}
