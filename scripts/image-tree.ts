// Assembles the file tree of deploy/Containerfile's final stage without a
// container engine, so the image's contents can be tested on any machine.
// The Containerfile is the one source of truth: this reads its stages and
// COPY lines and carries them out; every RUN step must be one of the few
// below (each done here the way the real build does it), and any other
// instruction that would change files is refused, so the two cannot drift.
//
//   node --import tsx scripts/image-tree.ts OUT_DIR   (OUT_DIR must not exist)
//
// OUT_DIR then holds the final stage's files at their image paths
// (OUT_DIR/opt/mvtep/...). Operating-system packages (apt-get) are not in it:
// they are listed instead (`osPackages`).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONTAINERFILE = 'deploy/Containerfile';
// .dockerignore, not .containerignore: podman and buildah read it too when there is no .containerignore, docker reads only it.
export const IGNORE_FILE = '.dockerignore';

/** End of life of the Node.js LTS lines (the release schedule); a base image must be on one still supported. */
export const NODE_LTS_END: Readonly<Record<number, string>> = { 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30' };

export class ImageTreeError extends Error {
  constructor(readonly code: string, message: string, readonly input?: unknown) {
    super(message);
    this.name = 'ImageTreeError';
  }
}

export interface Instruction {
  readonly line: number;
  /** Upper-case keyword: FROM, COPY, RUN, ... */
  readonly op: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: string;
}

export interface Copy {
  readonly line: number;
  /** Build stage name for `--from=`, undefined for the build context. */
  readonly from?: string;
  readonly sources: readonly string[];
  readonly dest: string;
}

export interface Stage {
  readonly name?: string;
  readonly base: string;
  readonly instructions: readonly Instruction[];
}

/** Instructions of a Containerfile, grouped by stage; comments and `\` continuations handled. */
export function parseContainerfile(text: string): Stage[] {
  const stages: { name?: string; base: string; instructions: Instruction[] }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let logical = lines[i]!.trim();
    if (logical === '' || logical.startsWith('#')) continue;
    while (logical.endsWith('\\')) {
      logical = logical.slice(0, -1).trimEnd();
      // Comment lines inside a continuation are dropped, as the builders do.
      do i++; while (i < lines.length && lines[i]!.trim().startsWith('#'));
      if (i >= lines.length) throw new ImageTreeError('containerfile-syntax', `line ${start}: continuation runs past the end of the file`, start);
      logical += ' ' + lines[i]!.trim();
    }
    const m = /^(\S+)\s*(.*)$/.exec(logical)!;
    const ins: Instruction = { line: start, op: m[1]!.toUpperCase(), args: m[2]! };
    if (ins.op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!from) throw new ImageTreeError('containerfile-syntax', `line ${start}: cannot read FROM '${ins.args}'`, start);
      stages.push({ base: from[1]!, ...(from[2] ? { name: from[2] } : {}), instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new ImageTreeError('containerfile-syntax', `line ${start}: ${ins.op} before the first FROM`, start);
      stage.instructions.push(ins);
    }
  }
  if (stages.length === 0) throw new ImageTreeError('containerfile-syntax', 'no FROM: not a Containerfile');
  return stages;
}

export function parseCopy(ins: Instruction): Copy {
  if (ins.args.startsWith('[')) throw new ImageTreeError('containerfile-unsupported', `line ${ins.line}: COPY in JSON form is not supported here`, ins.line);
  const words = ins.args.split(/\s+/);
  let from: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!;
    const m = /^--from=(\S+)$/.exec(flag);
    if (!m) throw new ImageTreeError('containerfile-unsupported', `line ${ins.line}: COPY flag '${flag}' is not supported here`, flag);
    from = m[1];
  }
  if (words.length < 2) throw new ImageTreeError('containerfile-syntax', `line ${ins.line}: COPY needs a source and a destination`, ins.line);
  return { line: ins.line, ...(from !== undefined ? { from } : {}), sources: words.slice(0, -1), dest: words.at(-1)! };
}

/** The Node.js major of an official `node:` base image, undefined for any other image. */
export function nodeMajor(base: string): number | undefined {
  const m = /^(?:docker\.io\/(?:library\/)?)?node:(\d+)(?:[.-]|$)/.exec(base);
  return m ? Number(m[1]) : undefined;
}

/** The packages a RUN line installs with apt-get. */
function aptPackages(command: string): string[] | undefined {
  if (command === 'apt-get update' || command === 'rm -rf /var/lib/apt/lists/*') return [];
  const m = /^apt-get install -y --no-install-recommends ((?:[a-z0-9][a-z0-9+.-]*\s*)+)$/.exec(command);
  return m ? m[1]!.trim().split(/\s+/) : undefined;
}

export interface ImageTree {
  /** The final stage's root: image path /x is `${root}/x`. */
  readonly root: string;
  /** The final stage's WORKDIR (an image path). */
  readonly workdir: string;
  /** ENTRYPOINT and CMD of the final stage (exec form). */
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** Base image of every stage, first to last. */
  readonly bases: readonly string[];
  /** Debian packages the final stage installs (not part of the tree). */
  readonly osPackages: readonly string[];
  /** Every COPY of the final stage, as written. */
  readonly copies: readonly Copy[];
  /** Image path -> host path. */
  hostPath(imagePath: string): string;
  /** Removes the tree. */
  remove(): void;
}

interface Lock {
  readonly packages: Record<string, { version?: string; dev?: boolean; optional?: boolean; link?: boolean }>;
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new ImageTreeError('image-input-unreadable', `${what} ${file}: ${(err as Error).message}`, file);
  }
}

/**
 * `npm prune --omit=dev`: node_modules keeps exactly the lock file's
 * non-dev packages, copied from the context's installed node_modules after
 * checking each is the version the lock pins (a stale install must not make
 * a tree the real build would not).
 */
function pruneDev(workdir: string, installed: string): void {
  const lock = readJson<Lock>(join(workdir, 'package-lock.json'), 'lock file');
  if (!lock.packages) throw new ImageTreeError('image-input-unreadable', 'package-lock.json has no "packages" (lockfileVersion >= 2 needed)');
  const target = join(workdir, 'node_modules');
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target);
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '' || entry.dev || !key.startsWith('node_modules/')) continue;
    if (entry.link) throw new ImageTreeError('image-unsupported', `${key} is a linked package: not supported here`, key);
    const from = join(installed, '..', key);
    const have = existsSync(join(from, 'package.json')) ? readJson<{ version?: string }>(join(from, 'package.json'), 'package').version : undefined;
    // An optional package for another platform (os/cpu) is not installed here, nor by npm in the image's build.
    if (have === undefined && entry.optional) continue;
    if (have !== entry.version) {
      throw new ImageTreeError('image-stale-install',
        `${key}: installed ${have ?? 'nothing'}, package-lock.json pins ${entry.version ?? '?'} (run npm ci)`, key);
    }
    // Nested node_modules are lock entries of their own, copied (or not, if dev) on their turn.
    const nested = join(from, 'node_modules');
    cpSync(from, join(workdir, key), { recursive: true, verbatimSymlinks: true, filter: (src) => src !== nested });
  }
}

/** Literal top-level paths of the ignore file (the only kind this repository uses). */
function ignoredPaths(context: string): string[] {
  const file = join(context, IGNORE_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').map((l) => l.trim().replace(/^\/+|\/+$/g, ''))
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function execForm(ins: Instruction): string[] {
  try {
    const v: unknown = JSON.parse(ins.args);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch { /* reported below */ }
  throw new ImageTreeError('containerfile-unsupported', `line ${ins.line}: ${ins.op} must be in exec (JSON array) form`, ins.line);
}

export interface BuildOptions {
  /** The build context (the repository root). */
  readonly context?: string;
  /** Where the context's dependencies are installed (default `${context}/node_modules`). */
  readonly nodeModules?: string;
  /** Output for the build's own messages (tsc). */
  readonly log?: (text: string) => void;
}

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Builds the final stage's tree in a new temp dir; all or nothing (a failed build leaves no dir). */
export function buildImageTree(options: BuildOptions = {}): ImageTree {
  const context = options.context ?? REPO;
  const installed = options.nodeModules ?? join(context, 'node_modules');
  const stages = parseContainerfile(readFileSync(join(context, CONTAINERFILE), 'utf8'));
  const ignored = ignoredPaths(context);
  const top = mkdtempSync(join(tmpdir(), 'mvtep-image-'));
  try {
    const roots = new Map<string, string>();
    let result: Omit<ImageTree, 'remove' | 'hostPath'> | undefined;
    stages.forEach((stage, index) => {
      const root = join(top, `stage${index}`);
      mkdirSync(root);
      const at = (imagePath: string) => join(root, imagePath);
      let workdir = '/';
      let entrypoint: string[] = [];
      let cmd: string[] = [];
      const osPackages: string[] = [];
      const copies: Copy[] = [];
      for (const ins of stage.instructions) {
        switch (ins.op) {
          case 'WORKDIR':
            workdir = posix.resolve(workdir, ins.args);
            mkdirSync(at(workdir), { recursive: true });
            break;
          case 'COPY': {
            const copy = parseCopy(ins);
            copies.push(copy);
            const fromRoot = copy.from === undefined ? undefined : roots.get(copy.from);
            if (copy.from !== undefined && !fromRoot) {
              throw new ImageTreeError('containerfile-syntax', `line ${ins.line}: no earlier stage named '${copy.from}'`, copy.from);
            }
            const destImage = posix.resolve(workdir, copy.dest);
            const intoDir = copy.dest.endsWith('/') || copy.sources.length > 1;
            for (const src of copy.sources) {
              const clean = posix.normalize(src).replace(/\/+$/, '');
              if (fromRoot === undefined && ignored.some((p) => clean === p || clean.startsWith(p + '/'))) {
                throw new ImageTreeError('image-source-ignored', `line ${ins.line}: COPY ${src}: ${IGNORE_FILE} keeps it out of the build context`, src);
              }
              const from = fromRoot === undefined ? join(context, clean) : join(fromRoot, posix.resolve('/', clean));
              if (!existsSync(from)) throw new ImageTreeError('image-source-missing', `line ${ins.line}: COPY ${src}: no such file in the ${copy.from ?? 'build context'}`, src);
              const isDir = statSync(from).isDirectory();
              // Docker semantics: a directory's contents go into dest; a file goes into dest/ or becomes dest.
              const to = at(isDir || !intoDir ? destImage : posix.join(destImage, basename(clean)));
              mkdirSync(isDir ? to : dirname(to), { recursive: true });
              cpSync(from, to, { recursive: true, verbatimSymlinks: true, dereference: false });
            }
            break;
          }
          case 'RUN':
            for (const command of ins.args.split(/\s+&&\s+/).map((c) => c.trim())) {
              const apt = aptPackages(command);
              if (apt) {
                osPackages.push(...apt);
              } else if (command === 'npm ci --ignore-scripts') {
                // The context's own install from the same lock (pruneDev checks the versions it keeps).
                symlinkSync(installed, at(posix.join(workdir, 'node_modules')));
              } else if (command === 'node scripts/build.mjs') {
                const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: at(workdir), encoding: 'utf8' });
                options.log?.(r.stdout + r.stderr);
                if (r.status !== 0) throw new ImageTreeError('image-build-failed', `line ${ins.line}: ${command} exited ${r.status}: ${r.stdout}${r.stderr}`, command);
              } else if (command === 'npm prune --omit=dev --ignore-scripts') {
                pruneDev(at(workdir), installed);
              } else {
                throw new ImageTreeError('containerfile-unsupported',
                  `line ${ins.line}: RUN step '${command}' is not one scripts/image-tree.ts knows how to carry out (teach it, or the image and its test drift apart)`, command);
              }
            }
            break;
          case 'ENTRYPOINT':
            entrypoint = execForm(ins);
            break;
          case 'CMD':
            cmd = execForm(ins);
            break;
          case 'LABEL': case 'ENV': case 'ARG': case 'EXPOSE': case 'USER': case 'STOPSIGNAL':
            // Metadata: no files.
            break;
          default:
            throw new ImageTreeError('containerfile-unsupported', `line ${ins.line}: ${ins.op} is not supported here`, ins.op);
        }
      }
      if (stage.name) roots.set(stage.name, root);
      result = { root, workdir, entrypoint, cmd, osPackages, copies, bases: stages.map((s) => s.base) };
    });
    // Only the final stage is the image: drop the others.
    const final = result!;
    for (const d of roots.values()) if (d !== final.root) rmSync(d, { recursive: true, force: true });
    return {
      ...final,
      hostPath: (imagePath) => join(final.root, posix.resolve('/', imagePath)),
      remove: () => rmSync(top, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(top, { recursive: true, force: true });
    throw err;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const out = process.argv[2];
  if (!out || process.argv.length > 3) {
    process.stderr.write('usage: node --import tsx scripts/image-tree.ts OUT_DIR\n');
    process.exit(2);
  }
  if (existsSync(out)) {
    process.stderr.write(`image-tree: ${out} exists; give a new directory\n`);
    process.exit(2);
  }
  try {
    const tree = buildImageTree({ log: (t) => process.stderr.write(t) });
    try {
      cpSync(tree.root, out, { recursive: true, verbatimSymlinks: true });
    } finally {
      tree.remove();
    }
    process.stdout.write(`image-tree: ${out} (workdir ${tree.workdir}, entrypoint ${tree.entrypoint.join(' ')}; `
      + `OS packages not in the tree: ${tree.osPackages.join(' ') || 'none'})\n`);
  } catch (err) {
    process.stderr.write(`image-tree: ${err instanceof ImageTreeError ? `${err.code}: ` : ''}${(err as Error).message}\n`);
    process.exit(1);
  }
}
