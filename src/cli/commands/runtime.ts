import type { Command } from '../command.ts';
import { parseCommandArgs, releaseOption } from '../args.ts';
import {
  DEFAULT_RELEASE, OVN_RELEASES, RELEASE_ENV, RELEASE_INFO, RuntimeError, defaultCacheDir, installRuntime, listRuntimes,
  requestedRelease, type OvnRelease, type OvnRuntime,
} from '../../lab/runtime.ts';

const releaseList = OVN_RELEASES.map((r) => `${r} (Debian ${RELEASE_INFO[r].suite})`).join(', ');

const install: Command = {
  name: 'runtime install',
  summary: 'download an OVN/OVS release (Debian packages) into the project cache',
  usage: `Usage: mvtep runtime install [--release R|all] [--cache DIR] [--prefer-cache] [--json]

Downloads one OVN/OVS release from Debian's packages, with the shared
libraries of the same suite, using a private apt state (mirror taken from
this machine's apt configuration), and unpacks it into its own folder of the
cache (default: .cache/ovn-runtime, or $MVTEP_RUNTIME_DIR): CACHE/<release>/.
Releases sit side by side. Nothing is installed system-wide. Idempotent.
Includes the interconnect programs (ovn-ic, ovn-ic-nbctl, ovn-ic-sbctl) and
the IC-NB/IC-SB schemas.

  --release R   ${releaseList}, or 'all' (default: $${RELEASE_ENV}, else ${DEFAULT_RELEASE})
  --cache DIR   the cache folder
  --prefer-cache  install into the cache even when PATH has that release
  --json        print the manifest(s) as JSON

Examples:
  mvtep runtime install
  mvtep runtime install --release 26.03
  mvtep runtime install --release all --cache /var/cache/mvtep --json`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      cache: { type: 'string' }, 'prefer-cache': { type: 'boolean' }, json: { type: 'boolean' }, release: { type: 'string' },
    });
    const releases: readonly OvnRelease[] = values.release === 'all' ? OVN_RELEASES
      : [requestedRelease(releaseOption(values.release), io.env) ?? DEFAULT_RELEASE];
    const installed: OvnRuntime[] = [];
    for (const release of releases) {
      installed.push(await installRuntime({
        env: io.env,
        release,
        cacheDir: values.cache ?? defaultCacheDir(io.env),
        preferCache: values['prefer-cache'] ?? false,
        log: values.json ? undefined : (l) => io.stderr.write(`runtime: ${l}\n`),
      }));
    }
    if (values.json) {
      const manifests = installed.map((rt) => ({ ...rt.manifest, release: rt.release }));
      io.stdout.write(JSON.stringify(values.release === 'all' ? manifests : manifests[0]) + '\n');
    } else {
      for (const rt of installed) {
        io.stdout.write(`${rt.release}: OVN ${rt.manifest.ovnVersion}, OVS ${rt.manifest.ovsVersion} (${rt.manifest.kind}: ${rt.manifest.root})\n`);
      }
    }
    return 0;
  },
};

const status: Command = {
  name: 'runtime status',
  summary: 'list the OVN/OVS releases installed and the one selected',
  usage: `Usage: mvtep runtime status [--release R] [--cache DIR] [--prefer-cache] [--json]

Lists every known release (${OVN_RELEASES.join(', ')}): installed or not, its OVN
and OVS versions and where it is. The selected release (--release, else
$${RELEASE_ENV}, else ${DEFAULT_RELEASE}) is what lab, tests and benchmarks use.

  --release R     the release to select (${OVN_RELEASES.join(', ')}; default $${RELEASE_ENV}, else ${DEFAULT_RELEASE})
  --cache DIR     the cache folder (default .cache/ovn-runtime, or $MVTEP_RUNTIME_DIR)
  --prefer-cache  report the cache's copy even when PATH has that release
  --json          print the releases as JSON

Exit 0 when the selected release is installed, 1 when not.

Examples:
  mvtep runtime status
  mvtep runtime status --release 26.03
  mvtep runtime status --cache /var/cache/mvtep --json`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      cache: { type: 'string' }, 'prefer-cache': { type: 'boolean' }, json: { type: 'boolean' }, release: { type: 'string' },
    });
    const cacheDir = values.cache ?? defaultCacheDir(io.env);
    const selected = requestedRelease(releaseOption(values.release), io.env) ?? DEFAULT_RELEASE;
    const all = await listRuntimes({ env: io.env, cacheDir, preferCache: values['prefer-cache'] ?? false });
    const chosen = all.find((s) => s.release === selected)?.runtime;
    if (values.json) {
      io.stdout.write(JSON.stringify({
        selected,
        installed: chosen !== undefined,
        cacheDir,
        ...(chosen ? { ...chosen.manifest, release: chosen.release, schemas: chosen.schemas } : {}),
        releases: all.map((s) => (s.runtime
          ? { release: s.release, installed: true, ...s.runtime.manifest, schemas: s.runtime.schemas }
          : { release: s.release, installed: false })),
      }) + '\n');
      return chosen ? 0 : 1;
    }
    for (const s of all) {
      const mark = s.release === selected ? '*' : ' ';
      io.stdout.write(s.runtime
        ? `${mark} ${s.release}  OVN ${s.runtime.manifest.ovnVersion}  OVS ${s.runtime.manifest.ovsVersion}  ${s.runtime.manifest.kind}: ${s.runtime.manifest.root}\n`
        : `${mark} ${s.release}  not installed (mvtep runtime install --release ${s.release})\n`);
    }
    if (!chosen) {
      throw new RuntimeError('runtime-missing', `selected release ${selected} is not installed on PATH or in ${cacheDir}; run 'mvtep runtime install --release ${selected}'`, { release: selected });
    }
    return 0;
  },
};

export const runtimeCommands: Command[] = [install, status];
