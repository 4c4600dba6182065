import { loadCommands } from './commands/index.ts';
import type { CliIo, Command } from './command.ts';
import { MvtepError, UsageError, errorMessage } from '../util/errors.ts';
import { packageVersion } from './version.ts';


function topHelp(all: readonly Command[]): string {
  const width = Math.max(...all.map((c) => c.name.length), 8);
  const lines = [...all]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'mvtep: multi-VTEP traffic steering for OVN',
    '',
    'Usage: mvtep <command> [options]',
    '       mvtep <command> --help    (or: mvtep help <command>)',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  --help      show this help',
    '  --version   print the version',
    '',
    'Exit status, the same in every command (docs/cli.md): 0 ok, 1 findings or drift,',
    '2 bad usage or unreadable input, 3 unreachable or timed out. --json errors are one',
    'JSON object {code, message, input} on stdout.',
    '',
  ].join('\n');
}

/** Finds the command whose name is the longest prefix of argv. */
function resolve(all: readonly Command[], argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  let best: { command: Command; rest: string[] } | undefined;
  for (const command of all) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.command.name.split(' ').length)) {
      best = { command, rest: argv.slice(words.length) };
    }
  }
  return best;
}

/** Commands that share a prefix ("lab up", "lab down") get a group help. */
function groupHelp(all: readonly Command[], prefix: string): string | undefined {
  const members = all.filter((c) => c.name.startsWith(prefix + ' '));
  if (members.length === 0) return undefined;
  return [`Usage: mvtep ${prefix} <subcommand> [options]`, '', 'Subcommands:',
    ...members.map((c) => `  ${c.name.slice(prefix.length + 1).padEnd(10)}  ${c.summary}`), ''].join('\n');
}

export async function main(argv: string[], io: CliIo = defaultIo(), only?: readonly Command[]): Promise<number> {
  // `mvtep help CMD...` is `mvtep CMD... --help`: one help text, two ways to ask.
  if (argv[0] === 'help' && argv.length > 1) argv = [...argv.slice(1), '--help'];
  if (argv[0] === '--version' || argv[0] === '-V') {
    io.stdout.write(`mvtep ${packageVersion()}\n`);
    return 0;
  }
  const all = only ?? (await loadCommands(argv[0]));
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(topHelp(all));
    return argv.length === 0 ? 2 : 0;
  }
  const found = resolve(all, argv);
  if (!found) {
    const group = argv[0] ? groupHelp(all, argv[0]) : undefined;
    if (group && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
      io.stdout.write(group);
      return argv.length === 1 ? 2 : 0;
    }
    io.stderr.write(`mvtep: unknown command '${argv.join(' ')}' (see mvtep --help)\n`);
    return 2;
  }
  // After `--` the words belong to a command run on the user's behalf (`lab exec POD -- CMD --help`).
  const cut = found.rest.indexOf('--');
  const own = cut < 0 ? found.rest : found.rest.slice(0, cut);
  if (own.includes('--help') || own.includes('-h')) {
    io.stdout.write(found.command.usage.endsWith('\n') ? found.command.usage : found.command.usage + '\n');
    return 0;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (err) {
    return await reportError(found.command.name, err, io, own.includes('--json'));
  }
}

/** Prints a command's failure (one JSON object on stdout with --json) and returns its exit code. */
async function reportError(name: string, err: unknown, io: CliIo, json: boolean): Promise<number> {
  // Loaded on failure only: it knows every layer's error classes, which is
  // more start-up than `--version` or a help text should pay.
  const { EXIT, errorJson, exitCodeFor } = await import('./exitCodes.ts');
  const code = exitCodeFor(err);
  if (json) {
    io.stdout.write(JSON.stringify(errorJson(err)) + '\n');
    return code;
  }
  if (err instanceof UsageError) {
    io.stderr.write(`mvtep ${name}: ${err.message}\n(see mvtep ${name} --help)\n`);
  } else if (err instanceof MvtepError) {
    io.stderr.write(`mvtep ${name}: error [${err.code}]: ${err.message}\n`);
  } else if (code !== EXIT.FINDINGS) {
    // A file that cannot be read, a port that cannot be bound: the system's message says it.
    io.stderr.write(`mvtep ${name}: error [${errorJson(err).code}]: ${errorMessage(err)}\n`);
  } else {
    io.stderr.write(`mvtep ${name}: unexpected error: ${errorMessage(err)}\n`);
    if (err instanceof Error && err.stack) io.stderr.write(err.stack + '\n');
  }
  return code;
}

export function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
