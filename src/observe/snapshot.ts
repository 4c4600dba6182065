import { readFile, rename, writeFile } from 'node:fs/promises';
import { MvtepError, errorMessage } from '../util/errors.ts';
import { STATE_FORMAT, type GatheredState } from './state.ts';

/** A state file that cannot be read or is not a verify state: the CLI exits 2. */
export class SnapshotError extends MvtepError {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function need(cond: boolean, file: string, path: string, why: string): void {
  if (!cond) throw new SnapshotError('snapshot-invalid', `${file}: ${path}: ${why}`, { file, path });
}

/** `v` must be an array of objects; `each` checks one, given its path. */
function objects(v: unknown, file: string, path: string, each: (o: Record<string, unknown>, path: string) => void): void {
  need(Array.isArray(v), file, path, 'expected an array');
  (v as unknown[]).forEach((o, i) => {
    need(isRecord(o), file, `${path}[${i}]`, 'expected an object');
    each(o as Record<string, unknown>, `${path}[${i}]`);
  });
}

function southbound(v: unknown, file: string, path: string): void {
  need(isRecord(v), file, path, 'expected an object');
  const sb = v as Record<string, unknown>;
  for (const k of ['chassis', 'encaps', 'portBindings']) need(Array.isArray(sb[k]), file, `${path}.${k}`, 'expected an array');
}

/**
 * Structural validation of the parts the checks index into. Deep field
 * types are trusted after that: the file is our own --dump-state output.
 */
export function parseSnapshot(text: string, file = '<snapshot>'): GatheredState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SnapshotError('snapshot-invalid', `${file}: not JSON: ${errorMessage(err)}`, { file });
  }
  need(isRecord(data), file, '$', 'expected an object');
  const d = data as Record<string, unknown>;
  need(d['format'] === STATE_FORMAT, file, '$.format', `expected "${STATE_FORMAT}", got ${JSON.stringify(d['format'])}`);
  objects(d['nodes'], file, '$.nodes', (node, p) => {
    need(typeof node['label'] === 'string', file, `${p}.label`, 'expected a string');
    need(isRecord(node['openVswitch']) && isRecord((node['openVswitch'] as Record<string, unknown>)['externalIds']),
      file, `${p}.openVswitch.externalIds`, 'expected an object');
    need(Array.isArray(node['interfaces']), file, `${p}.interfaces`, 'expected an array');
    need(Array.isArray(node['tunnels']), file, `${p}.tunnels`, 'expected an array');
  });
  if (d['southbound'] !== undefined) southbound(d['southbound'], file, '$.southbound');
  if (d['zones'] !== undefined) {
    objects(d['zones'], file, '$.zones', (zone, p) => {
      need(typeof zone['name'] === 'string', file, `${p}.name`, 'expected a string');
      need(zone['error'] === undefined || typeof zone['error'] === 'string', file, `${p}.error`, 'expected a string');
      need(zone['southbound'] !== undefined || zone['error'] !== undefined, file, p, 'expected southbound or error');
      if (zone['southbound'] !== undefined) southbound(zone['southbound'], file, `${p}.southbound`);
    });
  }
  return data as GatheredState;
}

export async function readSnapshot(file: string): Promise<GatheredState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SnapshotError('snapshot-unreadable', `cannot read ${file}: ${errorMessage(err)}`, { file });
  }
  return parseSnapshot(text, file);
}

/** Writes atomically (temp file + rename): never a half-written snapshot. */
export async function writeSnapshot(file: string, state: GatheredState): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(state, null, 1) + '\n');
  await rename(tmp, file);
}
