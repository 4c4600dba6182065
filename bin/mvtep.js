#!/usr/bin/env node
// The `mvtep` command. It runs the compiled build (dist/, made by `npm ci`
// through the `prepare` script, or `npm run build`) when that build matches
// src/; otherwise (a development checkout with edits, or no build yet) it
// runs the TypeScript sources through tsx, so an edit is never hidden by a
// stale build. MVTEP_FROM_SOURCE=1 forces the sources.
import { buildIsCurrent } from '../scripts/source-stamp.mjs';

const root = new URL('..', import.meta.url).pathname;

let main;
if (buildIsCurrent(root)) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
