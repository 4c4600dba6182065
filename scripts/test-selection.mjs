// Which test files use the OVN/OVS runtime, computed from the sources, so the
// second CI pass (another release) runs those and nothing else. The rule errs
// one way only: a file is release-independent when nothing it can reach names
// the runtime. A file that reaches the runtime in a way the rule does not see
// would be dropped silently, so the rule counts every way the tests have:
// imports (static and dynamic, followed through helpers and src/), the repo's
// own programs started as children (bin/mvtep.js, scripts/*.mjs: they import
// the CLI, hence the lab), and runtime programs named: anywhere in a test's
// text, as a whole string literal (an argv word) in src/, bin/ and scripts/.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Where the runtime is found: everything that starts OVN/OVS gets it here. */
export const RUNTIME_MODULES = ['src/lab/runtimeCache.ts'];

const PROGRAM = String.raw`(?:ovsdb-(?:server|tool|client)|ovs-(?:vsctl|vswitchd|appctl|ofctl|dpctl)|ovn-(?:northd|controller|nbctl|sbctl|appctl|trace|ic(?:-nbctl|-sbctl)?))`;
/** A runtime program named anywhere in a test's text: it may start it itself. */
export const PROGRAM_IN_TEST = new RegExp(String.raw`\b${PROGRAM}\b`);
/** A runtime program as a whole string elsewhere (an argv word, a default): prose about OVN does not count. */
export const PROGRAM_LITERAL = new RegExp(String.raw`['"\`]${PROGRAM}['"\`]`);

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
// A path to one of the repo's own entry points, however it is joined.
const ENTRY = /['"`/](bin\/[\w.-]+\.m?js|scripts\/[\w.-]+\.(?:m?js|ts))['"`]/g;
const SOURCE = /\.(m?[jt]s)$/;

/** Every test/**\/*.test.ts, relative to `root`, sorted. */
export function testFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.ts')) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(join(root, 'test'));
  return out.sort();
}

/** The repo files `file` (relative to root) reaches in one step. */
function edges(root, file, text) {
  const out = new Set();
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1];
    if (spec !== undefined && SOURCE.test(spec)) out.add(relative(root, resolve(root, dirname(file), spec)).split(sep).join('/'));
  }
  for (const m of text.matchAll(ENTRY)) if (m[1] !== undefined) out.add(m[1]);
  return out;
}

/**
 * Why each file uses the runtime: a map from file (relative to root) to the
 * chain that reaches it (file, ..., the runtime module or program), for the
 * files that do; a release-independent file is absent.
 */
export function runtimeChains(root, files = testFiles(root)) {
  const seen = new Map();
  // What a file names of the runtime itself and the files it reaches, read once.
  const look = (file) => {
    if (seen.has(file)) return seen.get(file);
    let info = { program: undefined, next: [] };
    if (RUNTIME_MODULES.includes(file)) info = { program: file, next: [] };
    else {
      let text = '';
      try {
        text = readFileSync(join(root, file), 'utf8');
      } catch {
        // Not a file of the repo (a package, a generated path): nothing to follow.
      }
      const program = (file.startsWith('test/') ? PROGRAM_IN_TEST : PROGRAM_LITERAL).exec(text)?.[0];
      info = { program, next: [...edges(root, file, text)] };
    }
    seen.set(file, info);
    return info;
  };
  const out = new Map();
  for (const start of files) {
    // Breadth first over everything reachable: no result is cached across
    // start files, so a cycle can never hide a path to the runtime.
    const parent = new Map([[start, undefined]]);
    const queue = [start];
    while (queue.length > 0) {
      const file = queue.shift();
      const { program, next } = look(file);
      if (program !== undefined) {
        const chain = program === file ? [] : [program];
        for (let f = file; f !== undefined; f = parent.get(f)) chain.unshift(f);
        out.set(start, chain);
        break;
      }
      for (const n of next) {
        if (parent.has(n)) continue;
        parent.set(n, file);
        queue.push(n);
      }
    }
  }
  return out;
}
