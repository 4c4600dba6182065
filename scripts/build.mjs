#!/usr/bin/env node
// `npm run build`, also run by `npm ci` (the `prepare` script): compiles src/
// to dist/ so the installed command starts as fast as Node itself instead of
// compiling TypeScript through tsx on every invocation.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { sourceStamp, STAMP_FILE } from './source-stamp.mjs';

const root = new URL('..', import.meta.url).pathname;
// Taken before compiling: a file edited during the build makes the stamp older than it, so it counts as stale.
const stamp = sourceStamp(root);
// A clean output: a module deleted from src/ must not linger in dist/.
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  // No half-built dist/: without its stamp the command keeps running from source.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  process.exit(r.status ?? 1);
}
// tsc emits only .js: the dashboard's static page goes next to its compiled server.
mkdirSync(join(root, 'dist/web'), { recursive: true });
copyFileSync(join(root, 'src/web/page.html'), join(root, 'dist/web/page.html'));
writeFileSync(join(root, STAMP_FILE), JSON.stringify(stamp) + '\n');
