// Makes a fresh clone runnable: npm packages, the OVN runtime, and the Debian
// packages the tests need. Each step is skipped when already satisfied, so
// the quick-start commands stay fast after the first run.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;

function step(argv, what) {
  process.stderr.write(`bootstrap: ${what}\n`);
  const r = spawnSync(argv[0], argv.slice(1), { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write(`bootstrap: failed: ${argv.join(' ')}\n`);
    process.exit(r.status ?? 1);
  }
}

function have(program) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { stdio: 'ignore' }).status === 0;
}

export function bootstrap({ browser = false } = {}) {
  if (!existsSync(`${root}/node_modules/.package-lock.json`)) {
    step(['npm', 'ci', '--no-audit', '--no-fund'], 'installing npm packages');
  }
  const debs = [];
  if (!have('ip')) debs.push('iproute2');
  if (browser && !existsSync('/usr/bin/chromium')) debs.push('chromium');
  if (debs.length > 0) {
    if (process.getuid?.() !== 0) {
      process.stderr.write(`bootstrap: missing Debian packages (${debs.join(', ')}); install them as root\n`);
      process.exit(1);
    }
    step(['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'update', '-q'], 'apt-get update');
    step(['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-q', '--no-install-recommends', ...debs], `installing ${debs.join(', ')}`);
  }
  const status = spawnSync(process.execPath, [`${root}/bin/mvtep.js`, 'runtime', 'status'], { stdio: 'ignore' });
  if (status.status !== 0) step([process.execPath, `${root}/bin/mvtep.js`, 'runtime', 'install'], 'installing the OVN runtime');
}
