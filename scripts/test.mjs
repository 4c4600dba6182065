#!/usr/bin/env node
// The one test command (README and CI): every test/**/*.test.ts on node:test.
// Files run one at a time: many of them start real OVN daemons and network
// namespaces, and the machines have two cores.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { bootstrap } from './bootstrap.mjs';

const filters = process.argv.slice(2);
// A filtered run is a developer's inner loop: it does not install a browser.
bootstrap({ browser: filters.length === 0 });
const root = new URL('..', import.meta.url).pathname;
function collect(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...collect(p));
    else if (e.name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}
const files = collect(join(root, 'test')).sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  cwd: root,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
