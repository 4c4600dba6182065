/**
 * Which datapath the demo runs, and on which OVN release. The netdev demo
 * (real packets, every path checked on the wire) needs OVS >= 3.7, i.e.
 * release 26.03, plus tcpdump and ping; it is the default when those are
 * here, and the dummy datapath (ofproto/trace only) otherwise, so a fresh
 * machine with the default 25.03 runtime still runs the demo.
 */
import { NETDEV_MIN_OVS, runsNetdev } from '../lab/podNetns.ts';
import { findRuntime, requestedRelease, RELEASE_ENV, which, type OvnRelease } from '../lab/runtime.ts';
import type { DemoDatapath } from './plan.ts';

/** The release whose OVS runs the netdev lab. */
export const NETDEV_RELEASE: OvnRelease = '26.03';
/** Programs the wire check runs (Debian packages tcpdump, iputils-ping). */
export const WIRE_PROGRAMS = ['tcpdump', 'ping'] as const;

export interface DatapathChoice {
  readonly datapath: DemoDatapath;
  /** The release to run; undefined: the selected one ($MVTEP_OVN_RELEASE, else the default). */
  readonly release: OvnRelease | undefined;
  /** Why, for the progress line. */
  readonly why: string;
}

export interface ChooseOptions {
  /** `--datapath`. */
  readonly flag?: DemoDatapath;
  /** The seed's own `datapath:` (seedDatapath). */
  readonly seed?: DemoDatapath;
  readonly env: NodeJS.ProcessEnv;
  readonly cacheDir: string;
}

/** Wire programs missing from PATH. */
export async function missingWirePrograms(env: NodeJS.ProcessEnv): Promise<string[]> {
  const out: string[] = [];
  for (const p of WIRE_PROGRAMS) if (!(await which(p, env))) out.push(p);
  return out;
}

export async function chooseDatapath(o: ChooseOptions): Promise<DatapathChoice> {
  const asked = requestedRelease(undefined, o.env);
  const forNetdev = (why: string): DatapathChoice => ({ datapath: 'netdev', release: asked ?? NETDEV_RELEASE, why });
  if (o.flag) return o.flag === 'netdev' ? forNetdev('--datapath netdev') : { datapath: 'dummy', release: asked, why: '--datapath dummy' };
  if (o.seed) return o.seed === 'netdev' ? forNetdev('the seed says datapath: netdev') : { datapath: 'dummy', release: asked, why: 'the seed says datapath: dummy' };
  const dummy = (why: string): DatapathChoice => ({ datapath: 'dummy', release: asked, why });
  const rt = await findRuntime({ env: o.env, cacheDir: o.cacheDir, release: asked ?? NETDEV_RELEASE });
  if (!rt || !runsNetdev(rt)) {
    return dummy(asked && asked !== NETDEV_RELEASE
      ? `${RELEASE_ENV}=${asked}: its OVS cannot run the userspace datapath the wire check needs (OVS >= ${NETDEV_MIN_OVS.join('.')})`
      : `release ${NETDEV_RELEASE} is not installed ('mvtep runtime install --release ${NETDEV_RELEASE}' for the wire-checked demo)`);
  }
  const missing = await missingWirePrograms(o.env);
  if (missing.length > 0) return dummy(`release ${rt.release} is installed, but ${missing.join(' and ')} not (the wire check needs them)`);
  return { datapath: 'netdev', release: asked ?? NETDEV_RELEASE, why: `release ${rt.release} (OVS ${rt.manifest.ovsVersion}) is installed` };
}
