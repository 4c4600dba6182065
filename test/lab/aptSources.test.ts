import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDeb822Sources, parseOneLineSources, pickDebianMirror } from '../../src/lab/aptSources.ts';
import { parseVersion, versionAtLeast } from '../../src/lab/runtime.ts';

const deb822 = `Types: deb
# a comment
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: https://vendor.example/apt
Suites: nodistro
Components: main
Enabled: no
`;

test('deb822: parses every enabled stanza with its fields', () => {
  const s = parseDeb822Sources(deb822);
  assert.equal(s.length, 2);
  assert.deepEqual(s[0], {
    uri: 'http://mirror.example/debian',
    suites: ['bookworm', 'bookworm-updates'],
    components: ['main'],
    signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
  });
});

test('one-line: parses options, suite and components, skips comments and deb-src', () => {
  const s = parseOneLineSources(
    '# c\ndeb-src http://x/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main contrib\n',
  );
  assert.deepEqual(s, [{ uri: 'http://m.example/debian', suites: ['bookworm'], components: ['main', 'contrib'], signedBy: '/k.gpg' }]);
});

test('the mirror is the Debian archive, not security or a vendor repository', () => {
  const sources = [
    { uri: 'https://vendor.example/apt', suites: ['nodistro'], components: ['main'] },
    { uri: 'http://m.example/debian-security', suites: ['bookworm-security'], components: ['main'] },
    { uri: 'http://m.example/debian', suites: ['bookworm'], components: ['main'] },
  ];
  assert.equal(pickDebianMirror(sources).uri, 'http://m.example/debian');
});

test('no Debian source is a typed error that carries the sources', () => {
  assert.throws(() => pickDebianMirror([{ uri: 'https://v.example', suites: ['nodistro'], components: ['main'] }]), {
    code: 'no-debian-mirror',
  });
});

test('versions compare numerically, not as strings', () => {
  assert.deepEqual(parseVersion('ovn-nbctl 25.03.0'), [25, 3, 0]);
  assert.equal(versionAtLeast([25, 3, 0], [25, 3, 0]), true);
  assert.equal(versionAtLeast([24, 9, 3], [25, 3, 0]), false);
  assert.equal(versionAtLeast([3, 10, 0], [3, 5, 0]), true);
});
