import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { defaultCacheDir, findRuntime, installRuntime, RuntimeError } from '../../lab/runtime.ts';

const install: Command = {
  name: 'runtime install',
  summary: 'download OVN and OVS (Debian trixie) into the project cache',
  usage: `Usage: mvtep runtime install [--cache DIR] [--prefer-cache] [--json]

Downloads OVN >= 25.03 and OVS >= 3.5 from Debian's trixie packages with a
private apt state (mirror taken from this machine's apt configuration) and
unpacks them into the cache (default: .cache/ovn-runtime, or $MVTEP_RUNTIME_DIR).
Nothing is installed system-wide. Idempotent. A sufficiently new OVN/OVS on
PATH is used instead unless --prefer-cache is given.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      cache: { type: 'string' }, 'prefer-cache': { type: 'boolean' }, json: { type: 'boolean' },
    });
    const rt = await installRuntime({
      env: io.env,
      cacheDir: values.cache ?? defaultCacheDir(io.env),
      preferCache: values['prefer-cache'] ?? false,
      log: values.json ? undefined : (l) => io.stderr.write(`runtime: ${l}\n`),
    });
    io.stdout.write(values.json ? JSON.stringify(rt.manifest) + '\n'
      : `OVN ${rt.manifest.ovnVersion}, OVS ${rt.manifest.ovsVersion} (${rt.manifest.kind}: ${rt.manifest.root})\n`);
    return 0;
  },
};

const status: Command = {
  name: 'runtime status',
  summary: 'print the OVN/OVS runtime in use and its versions',
  usage: `Usage: mvtep runtime status [--cache DIR] [--prefer-cache] [--json]

Exit 0 when a runtime is available, 1 when not.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      cache: { type: 'string' }, 'prefer-cache': { type: 'boolean' }, json: { type: 'boolean' },
    });
    const cacheDir = values.cache ?? defaultCacheDir(io.env);
    const rt = await findRuntime({ env: io.env, cacheDir, preferCache: values['prefer-cache'] ?? false });
    if (!rt) {
      if (values.json) io.stdout.write(JSON.stringify({ installed: false, cacheDir }) + '\n');
      else throw new RuntimeError('runtime-missing', `no OVN runtime on PATH or in ${cacheDir}; run 'mvtep runtime install'`);
      return 1;
    }
    if (values.json) io.stdout.write(JSON.stringify({ installed: true, ...rt.manifest, schemas: rt.schemas }) + '\n');
    else {
      io.stdout.write(`OVN ${rt.manifest.ovnVersion}\nOVS ${rt.manifest.ovsVersion}\nsource ${rt.manifest.kind}: ${rt.manifest.root}\n`);
    }
    return 0;
  },
};

export const runtimeCommands: Command[] = [install, status];
