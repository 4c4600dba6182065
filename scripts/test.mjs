#!/usr/bin/env node
// The one test command (README and CI): every test/**/*.test.ts on node:test.
// Files run one at a time: many of them start real OVN daemons and network
// namespaces, and the machines have two cores.
// MVTEP_TEST_ONLY_RUNTIME=1 runs only the files that use the OVN/OVS runtime
// (scripts/test-selection.mjs): CI's second pass, on another release, where
// the rest would only repeat the first.
import { spawn } from 'node:child_process';
import { bootstrap } from './bootstrap.mjs';
import { runtimeChains, testFiles } from './test-selection.mjs';

const filters = process.argv.slice(2);
const onlyRuntimeVar = process.env['MVTEP_TEST_ONLY_RUNTIME'];
if (onlyRuntimeVar !== undefined && onlyRuntimeVar !== '' && onlyRuntimeVar !== '0' && onlyRuntimeVar !== '1') {
  console.error(`[env-invalid] MVTEP_TEST_ONLY_RUNTIME: expected 1 or 0, got '${onlyRuntimeVar}'`);
  process.exit(2);
}
const onlyRuntime = onlyRuntimeVar === '1';
// A filtered run is a developer's inner loop: it does not install a browser.
bootstrap({ browser: filters.length === 0 });
const root = new URL('..', import.meta.url).pathname;
const all = testFiles(root).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
const runtimeUsers = onlyRuntime ? runtimeChains(root, all) : undefined;
const files = runtimeUsers ? all.filter((f) => runtimeUsers.has(f)) : all;
if (files.length === 0) {
  console.error(onlyRuntime ? 'no test files that use the runtime matched' : 'no test files matched');
  process.exit(1);
}
if (onlyRuntime) console.log(`test: ${files.length} of ${all.length} files use the OVN/OVS runtime (MVTEP_TEST_ONLY_RUNTIME=1)`);
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  cwd: root,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
