/**
 * The JSON casing convention of every `--json` output and the snapshot:
 * camelCase keys. Data keys that name external things (OVSDB columns in
 * `ovsdb dump`, external_ids keys) are values of that convention, not keys
 * of ours, and stay as they are.
 *
 * `mvtep trace --json` printed snake_case before; for one release it prints
 * both spellings of each renamed key (camelCase first), so scripts reading
 * the old names keep working while they move.
 */
const SNAKE = /_([a-z0-9])/g;

export function camelKey(key: string): string {
  return key.replace(SNAKE, (_, c: string) => c.toUpperCase());
}

/** Deep copy with camelCase keys; with `keepOld`, a renamed key also stays under its old name. */
export function camelCaseKeys(value: unknown, keepOld: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => camelCaseKeys(v, keepOld));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [k, v] of entries) out[camelKey(k)] = camelCaseKeys(v, keepOld);
  if (keepOld) for (const [k, v] of entries) if (camelKey(k) !== k) out[k] = camelCaseKeys(v, keepOld);
  return out;
}
