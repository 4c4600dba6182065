#!/usr/bin/env node
// Quick start: `npm run demo [-- options]` on a fresh clone.
import { spawn } from 'node:child_process';
import { bootstrap } from './bootstrap.mjs';

bootstrap();
const root = new URL('..', import.meta.url).pathname;
const child = spawn(process.execPath, [`${root}/bin/mvtep.js`, 'demo', ...process.argv.slice(2)], { stdio: 'inherit' });
// The demo handles SIGINT itself (teardown); the wrapper only waits for it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
