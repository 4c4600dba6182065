import { readdir, readFile, stat } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';

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
