import { OvsdbProtocolError } from './errors.ts';
import type { Row } from './codec.ts';
import { rowEquals, type CacheTable } from './cacheTable.ts';
import type { RowChange } from './monitor.ts';

// Applying monitor replies and notifications to the cache tables. Each
// function records what changed in `changes`; the MonitorCache fires the
// events after the whole batch is in.

/**
 * Replaces the cache with an initial dump, turning the difference into
 * events: rows gone while disconnected are deleted, changed ones updated.
 */
export function resyncTables(tables: ReadonlyMap<string, CacheTable>, updates: unknown, v2: boolean, track: boolean, changes: RowChange[]): void {
  if (updates !== null && updates !== undefined && typeof updates !== 'object') {
    throw new OvsdbProtocolError('bad initial monitor reply', updates);
  }
  const byTable = (updates ?? {}) as Record<string, unknown>;
  for (const name in byTable) {
    if (!tables.has(name)) throw new OvsdbProtocolError(`initial dump for unknown table '${name}'`, name);
  }
  for (const [name, t] of tables) {
    const tu = byTable[name];
    if (tu !== undefined && (typeof tu !== 'object' || tu === null)) throw new OvsdbProtocolError(`bad initial dump for table '${name}'`, tu);
    const rowsJson = (tu ?? {}) as Record<string, unknown>;
    const key = v2 ? 'initial' : 'new';
    if (t.rows.size === 0) {
      // First load: decode straight into the table.
      for (const uuid in rowsJson) {
        const u = rowsJson[uuid] as Record<string, unknown> | null;
        const json = u?.[key] ?? (v2 ? u?.['insert'] : undefined);
        if (json === undefined) continue;
        const row = t.decodeFull(uuid, json);
        t.set(uuid, row, undefined);
        if (track) changes.push({ kind: 'insert', table: name, uuid, row });
      }
      continue;
    }
    // Reload after a reconnect: diff the fresh dump against what we hold.
    const next = new Map<string, Row>();
    for (const uuid in rowsJson) {
      const u = rowsJson[uuid] as Record<string, unknown> | null;
      const json = u?.[key] ?? (v2 ? u?.['insert'] : undefined);
      if (json !== undefined) next.set(uuid, t.decodeFull(uuid, json));
    }
    for (const [uuid, old] of [...t.rows]) {
      if (!next.has(uuid)) {
        t.remove(uuid, old);
        changes.push({ kind: 'delete', table: name, uuid, old });
      }
    }
    for (const [uuid, row] of next) {
      const old = t.rows.get(uuid);
      if (old && rowEquals(old, row)) continue;
      t.set(uuid, row, old);
      changes.push(old ? { kind: 'update', table: name, uuid, row, old } : { kind: 'insert', table: name, uuid, row });
    }
  }
}

/**
 * Walks a table-updates object (either notation), checking its shape, and
 * hands each row update to `apply` with the table it belongs to.
 */
function eachRowUpdate(
  tables: ReadonlyMap<string, CacheTable>, updates: unknown, what: string,
  apply: (t: CacheTable, name: string, uuid: string, u: Record<string, unknown>) => void,
): void {
  if (updates === null || updates === undefined) return;
  if (typeof updates !== 'object') throw new OvsdbProtocolError(`bad ${what}`, updates);
  const byTable = updates as Record<string, unknown>;
  for (const name in byTable) {
    const t = tables.get(name);
    const tu = byTable[name];
    if (!t || typeof tu !== 'object' || tu === null) throw new OvsdbProtocolError(`update for unknown table '${name}'`, name);
    const rowsJson = tu as Record<string, unknown>;
    for (const uuid in rowsJson) {
      const u = rowsJson[uuid];
      if (!u || typeof u !== 'object') throw new OvsdbProtocolError(`bad row update for ${name} ${uuid}`, u);
      apply(t, name, uuid, u as Record<string, unknown>);
    }
  }
}

function recordSet(t: CacheTable, name: string, uuid: string, row: Row, old: Row | undefined, changes: RowChange[]): void {
  t.set(uuid, row, old);
  changes.push(old ? { kind: 'update', table: name, uuid, row, old } : { kind: 'insert', table: name, uuid, row });
}

function recordDelete(t: CacheTable, name: string, uuid: string, old: Row | undefined, changes: RowChange[]): void {
  if (!old) return;
  t.remove(uuid, old);
  changes.push({ kind: 'delete', table: name, uuid, old });
}

/** Applies table-updates2 (update2/update3 notifications, resumed monitor_cond_since replies). */
export function applyTableUpdates2(tables: ReadonlyMap<string, CacheTable>, updates: unknown, changes: RowChange[]): void {
  eachRowUpdate(tables, updates, 'table-updates2', (t, name, uuid, u) => {
    const old = t.rows.get(uuid);
    if (u['modify'] !== undefined) {
      if (!old) throw new OvsdbProtocolError(`modify for unknown row ${name} ${uuid}`, uuid);
      recordSet(t, name, uuid, t.applyDiff(old, u['modify']), old, changes);
    } else if (u['insert'] !== undefined || u['initial'] !== undefined) {
      recordSet(t, name, uuid, t.decodeFull(uuid, u['insert'] ?? u['initial']), old, changes);
    } else if ('delete' in u) {
      recordDelete(t, name, uuid, old, changes);
    }
  });
}

/** Applies table-updates (RFC 7047 `update` notifications). */
export function applyTableUpdates1(tables: ReadonlyMap<string, CacheTable>, updates: unknown, changes: RowChange[]): void {
  eachRowUpdate(tables, updates, 'table-updates', (t, name, uuid, u) => {
    const old = t.rows.get(uuid);
    if (u['new'] === undefined) recordDelete(t, name, uuid, old, changes);
    else recordSet(t, name, uuid, old ? t.merge(old, u['new']) : t.decodeFull(uuid, u['new']), old, changes);
  });
}
