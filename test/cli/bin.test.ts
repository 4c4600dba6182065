// bin/mvtep.js picks the compiled build only when it was made from src/ as
// it is now. Exercised on a throw-away tree holding the real bin and stamp
// scripts, a one-file src/ and a fake dist/, each printing where it ran from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceStamp, STAMP_FILE } from '../../scripts/source-stamp.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));

function tree(): { root: string; run(env?: NodeJS.ProcessEnv): string; stamp(): void; done(): void } {
  const root = mkdtempSync(join(tmpdir(), 'mvtep-bin-'));
  for (const d of ['bin', 'scripts', 'src/cli', 'dist/cli']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(join(repo, 'bin/mvtep.js'), join(root, 'bin/mvtep.js'));
  copyFileSync(join(repo, 'scripts/source-stamp.mjs'), join(root, 'scripts/source-stamp.mjs'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  const entry = (from: string) => `export async function main(argv: string[]): Promise<number> { process.stdout.write('${from} ' + argv.join(' ') + '\\n'); return 0; }\n`;
  writeFileSync(join(root, 'src/cli/main.ts'), entry('source'));
  writeFileSync(join(root, 'dist/cli/main.js'), entry('dist').replace(/: string\[\]|: Promise<number>/g, ''));
  return {
    root,
    run: (env = {}) => execFileSync(process.execPath, [join(root, 'bin/mvtep.js'), '--version'], { env: { ...process.env, MVTEP_FROM_SOURCE: '', ...env }, encoding: 'utf8' }),
    stamp: () => writeFileSync(join(root, STAMP_FILE), JSON.stringify(sourceStamp(root))),
    done: () => rmSync(root, { recursive: true, force: true }),
  };
}

test('the build runs when its stamp matches src/, the sources otherwise', () => {
  const t = tree();
  try {
    assert.equal(t.run(), 'source --version\n', 'no stamp: no build to trust');
    t.stamp();
    assert.equal(t.run(), 'dist --version\n');
    assert.equal(t.run({ MVTEP_FROM_SOURCE: '1' }), 'source --version\n');
    // An edit after the build (newer mtime) makes it stale.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(t.root, 'src/cli/main.ts'), later, later);
    assert.equal(t.run(), 'source --version\n');
    t.stamp();
    assert.equal(t.run(), 'dist --version\n');
    // So does a new file, even one older than the build.
    writeFileSync(join(t.root, 'src/cli/extra.ts'), 'export {};\n');
    utimesSync(join(t.root, 'src/cli/extra.ts'), new Date(0), new Date(0));
    assert.equal(t.run(), 'source --version\n');
  } finally {
    t.done();
  }
});

test('sourceStamp counts files and keeps the newest mtime', () => {
  const t = tree();
  try {
    writeFileSync(join(t.root, 'src/a.ts'), '');
    utimesSync(join(t.root, 'src/a.ts'), new Date(1000), new Date(1000));
    const s = sourceStamp(t.root);
    assert.equal(s.files, 2);
    assert.ok(s.newestMs > 1000);
  } finally {
    t.done();
  }
});
