// What the compiled build (dist/) was made from: the number of files under
// src/ and the newest modification time among them. bin/mvtep.js compares
// it with src/ as it is now, so an edited, added or deleted source file makes
// the command run from source instead of from a stale build.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function sourceStamp(root) {
  let files = 0;
  let newestMs = 0;
  // A hand-written walk with plain string paths: every `mvtep` run pays for
  // this check, and readdirSync's recursive mode plus path.join cost about 3x
  // as much on a cold start.
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else if (e.isFile()) {
        files++;
        const ms = statSync(path).mtimeMs;
        if (ms > newestMs) newestMs = ms;
      }
    }
  };
  walk(join(root, 'src'));
  return { files, newestMs };
}

export const STAMP_FILE = 'dist/source-stamp.json';

/** True when dist/ was built from src/ as it is now (and MVTEP_FROM_SOURCE=1 does not ask for the sources). */
export function buildIsCurrent(root, env = process.env) {
  if (env.MVTEP_FROM_SOURCE === '1') return false;
  let built;
  try {
    built = JSON.parse(readFileSync(join(root, STAMP_FILE), 'utf8'));
  } catch {
    return false;
  }
  const now = sourceStamp(root);
  return built.files === now.files && now.newestMs <= built.newestMs;
}
