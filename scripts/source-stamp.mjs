// What the compiled build (dist/) was made from: the number of files under
// src/ and the newest modification time among them. bin/mvtep.js compares
// it with src/ as it is now, so an edited, added or deleted source file makes
// the command run from source instead of from a stale build.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function sourceStamp(root) {
  let files = 0;
  let newestMs = 0;
  for (const e of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    files++;
    const ms = statSync(join(e.parentPath, e.name)).mtimeMs;
    if (ms > newestMs) newestMs = ms;
  }
  return { files, newestMs };
}

export const STAMP_FILE = 'dist/source-stamp.json';
