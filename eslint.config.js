import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), 'src');

/**
 * Which src/ folders each folder may import (docs/architecture.md draws the
 * same). Lower folders never import higher ones. A new folder must be added
 * here before it can import or be imported.
 */
export const LAYERS = {
  util: [],
  ovsdb: ['util'],
  schema: ['ovsdb'],
  config: ['util'],
  sriov: ['util', 'config'],
  routing: ['util'],
  ovn: ['util', 'config'],
  observe: ['util', 'ovsdb', 'schema', 'config', 'sriov', 'routing', 'ovn'],
  node: ['util', 'ovsdb', 'schema', 'config', 'sriov', 'routing', 'ovn', 'observe'],
  verify: ['util', 'config', 'ovn', 'observe'],
  trace: ['util', 'ovsdb', 'config', 'routing', 'ovn', 'observe', 'verify'],
  lab: ['util', 'ovsdb', 'schema', 'config', 'sriov', 'routing', 'ovn', 'observe'],
  probe: ['util', 'ovsdb', 'schema', 'config', 'sriov', 'routing', 'ovn', 'observe', 'verify', 'trace'],
  ic: ['util', 'ovsdb', 'schema', 'config', 'routing', 'ovn', 'observe', 'verify', 'trace'],
  web: ['util', 'ovsdb', 'schema', 'config', 'ovn', 'observe', 'verify', 'trace'],
  demo: ['util', 'ovsdb', 'schema', 'config', 'sriov', 'routing', 'ovn', 'observe', 'node', 'verify', 'trace', 'lab', 'probe', 'ic', 'web'],
  cli: ['util', 'ovsdb', 'schema', 'config', 'sriov', 'routing', 'ovn', 'observe', 'node', 'verify', 'trace', 'lab', 'probe', 'ic', 'web', 'demo'],
};

/** The src/ folder a path lies in, or undefined outside src/. */
function folderOf(path) {
  const rel = relative(SRC, path);
  if (rel.startsWith('..') || rel === '') return undefined;
  return rel.split(sep)[0];
}

const importDirection = {
  meta: { type: 'problem', schema: [], messages: {
    upward: "src/{{from}} may not import src/{{to}} (allowed: {{allowed}}); see docs/architecture.md",
    unknown: "src/{{folder}} is not in LAYERS in eslint.config.js: add it with the folders it may import",
  } },
  create(context) {
    const from = folderOf(context.filename);
    if (from === undefined) return {};
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const to = folderOf(resolve(dirname(context.filename), source.value));
      if (to === undefined || to === from) return;
      for (const folder of [from, to]) {
        if (!(folder in LAYERS)) return context.report({ node, messageId: 'unknown', data: { folder } });
      }
      if (!LAYERS[from].includes(to)) {
        context.report({ node, messageId: 'upward', data: { from, to, allowed: LAYERS[from].join(', ') || 'nothing' } });
      }
    };
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => check(n, n.source),
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.cache/', 'coverage/', 'src/schema/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { mvtep: { rules: { 'import-direction': importDirection } } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'child_process', message: 'use node:child_process via src/util/exec.ts' }] }],
    },
  },
  { files: ['src/**/*.ts'], rules: { 'mvtep/import-direction': 'error' } },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
