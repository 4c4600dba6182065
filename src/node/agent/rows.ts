// Decoded OVSDB set columns of UUIDs, read cheaply (bridges can hold thousands of ports).

/** The UUIDs appended when `next` is `prev` plus elements at the end (same objects), else undefined. */
export function appendedTail(prev: unknown, next: unknown): string[] | undefined {
  if (!Array.isArray(prev) || !Array.isArray(next) || next.length < prev.length) return undefined;
  for (let i = 0; i < prev.length; i++) if (prev[i] !== next[i]) return undefined;
  return uuids(next.slice(prev.length));
}

/** UUID strings of a decoded set column (Uuid objects), without intermediate copies. */
export function portList(v: unknown): Iterable<string> {
  if (!Array.isArray(v)) return [];
  return {
    *[Symbol.iterator]() {
      for (const u of v as unknown[]) yield typeof u === 'object' && u !== null && 'value' in u ? String((u as { value: unknown }).value) : String(u);
    },
  };
}

export function uuids(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.map((u: unknown) => (typeof u === 'object' && u !== null && 'value' in u ? String((u as { value: unknown }).value) : String(u)));
}
