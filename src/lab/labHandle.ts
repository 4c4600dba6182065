import { MvtepError } from '../util/errors.ts';
import type { PassthroughOptions } from '../util/exec.ts';
import { LabContext } from './context.ts';
import { chassisEncapIps } from '../ovn/index.ts';
import type { NodeState, SouthboundState } from '../observe/index.ts';
import { icMissing } from './icReadiness.ts';
import { createLogicalPorts, deleteLogicalPort, execInPod, execInPodPassthrough, plugRepresentors, podHandle, unplugRepresentor } from './pods.ts';
import { isAlive } from './process.ts';
import { isNetdevLab, nextPodNetns } from './podNetns.ts';
import { awaitReady, bindingsByPort, missing, readLabNode, readLabSouthbound } from './readiness.ts';
import type { OvnRuntime } from './runtime.ts';
import { parsePodSpec, type PodSpec, type Scenario } from './scenario.ts';
import { teardownState, type ChassisHandle, type FabricHandle, type LabState, type PodHandle } from './state.ts';
import { classifyEgress, podTraceFlow, type EgressResult } from './trace.ts';
import { gatewayMac } from './icTopology.ts';

export class LabUsageError extends MvtepError {}

/** What `addPod` takes: a scenario pod entry whose mac and lport may be left to defaults. */
export type AddPodInput = Omit<PodSpec, 'mac' | 'lport'> & Partial<Pick<PodSpec, 'mac' | 'lport'>>;

export interface LabStatus {
  readonly id: string;
  readonly name: string;
  readonly workDir: string;
  readonly phase: LabState['phase'];
  readonly upMs: number | undefined;
  readonly nb: string | undefined;
  readonly sb: string | undefined;
  readonly fabric: FabricHandle | undefined;
  readonly daemons: readonly { name: string; pid: number; alive: boolean }[];
  readonly chassis: readonly {
    name: string; netns: string; sysfsRoot: string; ovsdbRemote: string; vswitchdCtl: string;
    ovnEncapIps: readonly string[]; sbRegistered: boolean; tunnels: number; pfs: readonly string[];
  }[];
  readonly pods: readonly {
    name: string; chassis: string; representor: string; ip: string; bound: boolean; up: boolean; encapIp: string | undefined;
  }[];
  /** Interconnect labs: one zone per chassis, and the zones file describing them. */
  readonly zones: readonly { name: string; chassis: string; nb: string; sb: string }[];
  readonly zonesFile: string | undefined;
  /** Readiness conditions not met right now (empty when everything is ready). */
  readonly pending: readonly string[];
}

/** A running lab: handles for tests and the other layers, plus run-time changes and teardown. */
export class Lab {
  readonly id: string;
  readonly name: string;
  readonly workDir: string;
  readonly nb: { readonly remote: string };
  readonly sb: { readonly remote: string };
  readonly fabric: FabricHandle;
  readonly chassis: Readonly<Record<string, ChassisHandle>>;
  readonly pods: Record<string, PodHandle>;
  private readonly ctx: LabContext;

  constructor(readonly state: LabState, runtime: OvnRuntime, readonly scenario: Scenario | undefined,
    log: (line: string) => void = () => {}) {
    this.ctx = new LabContext(state, runtime, log);
    this.id = state.id;
    this.name = state.name;
    this.workDir = state.workDir;
    this.nb = { remote: state.nb?.remote ?? '' };
    this.sb = { remote: state.sb?.remote ?? '' };
    this.fabric = state.fabric!;
    this.chassis = Object.fromEntries(state.chassis.map((c) => [c.name, c]));
    this.pods = Object.fromEntries(state.pods.map((p) => [p.name, p]));
  }

  private chassisOf(name: string): ChassisHandle {
    const c = this.chassis[name];
    if (!c) throw new LabUsageError('lab-no-chassis', `lab ${this.name} has no chassis '${name}'`, name);
    return c;
  }

  private podOf(name: string): PodHandle {
    const p = this.pods[name];
    if (!p) throw new LabUsageError('lab-no-pod', `lab ${this.name} has no pod '${name}' (pods: ${Object.keys(this.pods).join(', ') || 'none'})`, name);
    return p;
  }

  /**
   * SIGKILLs one lab daemon (names as in the state: `hv1-ovsdb-server-sb`, ...),
   * runs `whileDown`, and starts it again; resolves once it answers.
   */
  async crashAndRestart(daemon: string, whileDown?: () => Promise<void>): Promise<void> {
    await this.ctx.crashAndRestart(daemon, whileDown);
  }

  /** Runs `argv` in pod `name`'s netns (netdev labs); the result carries the exit code, not a throw. */
  exec(name: string, argv: readonly string[], timeoutMs?: number) {
    return execInPod(this.podOf(name), argv, timeoutMs);
  }

  /** Runs `argv` in pod `name`'s netns with its output streamed to `io`; resolves with its exit status. */
  execPassthrough(name: string, argv: readonly string[], io: PassthroughOptions): Promise<number> {
    return execInPodPassthrough(this.podOf(name), argv, io);
  }

  /** `ovs-appctl -t <chassis' vswitchd>` with `args`. */
  appctl(chassis: string, args: readonly string[]): Promise<string> {
    return this.ctx.tools.appctl(this.chassisOf(chassis).vswitchdCtl, args);
  }

  /** `ovn-appctl -t <chassis' ovn-controller>` with `args`. */
  controllerAppctl(chassis: string, args: readonly string[]): Promise<string> {
    return this.ctx.tools.exec('ovn-appctl', ['-t', this.chassisOf(chassis).controllerCtl, ...args]);
  }

  vsctl(chassis: string, args: readonly string[]): Promise<string> {
    return this.ctx.tools.vsctl(this.chassisOf(chassis).ovsdbRemote, args);
  }

  nbctl(args: readonly string[]): Promise<string> {
    return this.ctx.tools.nbctl(this.nb.remote, args);
  }

  sbctl(args: readonly string[]): Promise<string> {
    return this.ctx.tools.sbctl(this.sb.remote, args);
  }

  private zoneOf(name: string) {
    const z = this.state.zones?.find((x) => x.name === name);
    if (!z) throw new LabUsageError('lab-no-zone', `lab ${this.name} has no zone '${name}' (zones: ${this.state.zones?.map((x) => x.name).join(', ') || 'none: not an interconnect lab'})`, name);
    return z;
  }

  /** `ovn-nbctl` against one zone's NB (interconnect labs). */
  zoneNbctl(zone: string, args: readonly string[]): Promise<string> {
    return this.ctx.tools.nbctl(this.zoneOf(zone).nb.remote, args);
  }

  /** `ovn-sbctl` against one zone's SB (interconnect labs). */
  zoneSbctl(zone: string, args: readonly string[]): Promise<string> {
    return this.ctx.tools.sbctl(this.zoneOf(zone).sb.remote, args);
  }

  /** A fresh read of a chassis' bridge: interfaces with ofports, tunnels, its ovn-encap-ip. */
  chassisView(chassis: string): Promise<NodeState> {
    return readLabNode(this.chassisOf(chassis).ovsdbRemote);
  }

  /** Waits until every chassis with ovn-encap-ip is registered, tunnels complete and every pod bound and up. */
  waitForBindings(timeoutMs = 90_000): Promise<void> {
    return awaitReady(this.readinessInput(), timeoutMs);
  }

  private readinessInput() {
    return {
      sbRemote: this.sb.remote, encapType: this.scenario?.encapType ?? 'geneve',
      chassis: this.state.chassis, pods: Object.values(this.pods),
    };
  }

  /** Adds a pod at run time (NB port + representor on br-int) and, by default, waits until it is bound. */
  async addPod(input: AddPodInput, opts: { wait?: boolean; timeoutMs?: number } = {}): Promise<PodHandle> {
    if (!this.scenario) throw new LabUsageError('lab-no-scenario', 'addPod needs the scenario, and this lab handle has none', input);
    const spec = parsePodSpec(this.scenario, input, `addPod(${input.name})`);
    for (const p of Object.values(this.pods)) {
      const clash = p.name === spec.name ? 'name' : p.lport === spec.lport ? 'lport'
        : p.chassis === spec.chassis && p.pf === spec.pf && p.vf === spec.vf ? 'VF' : p.mac === spec.mac ? 'MAC'
          : p.switch === spec.switch && p.ip === spec.ip ? 'IP on this switch' : undefined;
      if (clash) throw new LabUsageError('lab-pod-conflict', `addPod(${spec.name}): ${clash} already used by pod ${p.name}`, input);
    }
    const chassis = this.chassisOf(spec.chassis);
    const pod = podHandle(spec, chassis, isNetdevLab(this.scenario) ? nextPodNetns(this.state) : undefined);
    const sw = this.scenario.switches.filter((s) => s.name === pod.switch);
    await createLogicalPorts(this.ctx, sw, [pod]);
    await plugRepresentors(this.ctx, chassis, [pod]);
    this.pods[pod.name] = pod;
    this.state.pods.push(pod);
    await this.ctx.save();
    if (opts.wait ?? true) {
      await awaitReady({ ...this.readinessInput(), pods: [pod] }, opts.timeoutMs ?? 60_000);
    }
    return pod;
  }

  async removePod(name: string): Promise<void> {
    const pod = this.podOf(name);
    await unplugRepresentor(this.ctx, this.chassisOf(pod.chassis), pod);
    await deleteLogicalPort(this.ctx, pod);
    delete this.pods[name];
    const i = this.state.pods.findIndex((p) => p.name === name);
    if (i >= 0) this.state.pods.splice(i, 1);
    await this.ctx.save();
  }

  /**
   * Runs ofproto/trace on the source pod's chassis for an ICMP echo to `toPod`
   * (in_port = the representor's ofport, read fresh) and maps the output
   * ofport to the tunnel interface, also read fresh after the trace.
   */
  async traceEgress(fromPod: string, toPod: string): Promise<EgressResult> {
    const from = this.podOf(fromPod);
    const to = this.podOf(toPod);
    const before = await this.chassisView(from.chassis);
    const inPort = before.interfaces.find((i) => i.name === from.representor)?.ofport;
    if (inPort === undefined || inPort === null || inPort <= 0) {
      throw new LabUsageError('lab-no-ofport', `${from.representor} on ${from.chassis} has no ofport`, fromPod);
    }
    // Routed (L3 interconnect) traffic is addressed to the source switch's router port.
    const fromSwitch = this.scenario?.switches.find((s) => s.name === from.switch);
    const routed = this.scenario && fromSwitch && from.switch !== to.switch ? gatewayMac(this.scenario, fromSwitch) : undefined;
    const flow = podTraceFlow(routed ? { ...from } : from, routed ? { ...to, mac: routed } : to, inPort);
    const trace = await this.appctl(from.chassis, ['ofproto/trace', 'br-int', flow]);
    return classifyEgress(trace, await this.chassisView(from.chassis));
  }

  async status(): Promise<LabStatus> {
    const daemons = await Promise.all(this.state.daemons.map(async (d) => ({ name: d.name, pid: d.pid, alive: await isAlive(d) })));
    const allAlive = daemons.every((d) => d.alive) && this.state.phase === 'up';
    // Each chassis (and its pods) is seen in its own zone's SB in interconnect labs, else in the central one.
    const zones = this.state.zones ?? [];
    const sbRemoteOf = (chassis: string) => zones.find((z) => z.chassis === chassis)?.sb.remote ?? this.sb.remote;
    const sbs = new Map<string, SouthboundState>();
    if (allAlive) {
      for (const remote of new Set(this.state.chassis.map((c) => sbRemoteOf(c.name)))) sbs.set(remote, await readLabSouthbound(remote));
    }
    const bindings = new Map([...sbs].map(([remote, sb]) => [remote, bindingsByPort(sb)]));
    const chassis = await Promise.all(this.state.chassis.map(async (c) => {
      const v = allAlive ? await readLabNode(c.ovsdbRemote) : undefined;
      return {
        name: c.name, netns: c.netns, sysfsRoot: c.sysfsRoot, ovsdbRemote: c.ovsdbRemote, vswitchdCtl: c.vswitchdCtl,
        ovnEncapIps: v ? chassisEncapIps(v.openVswitch.externalIds) : [],
        sbRegistered: sbs.get(sbRemoteOf(c.name))?.chassis.some((r) => r.name === c.name) ?? false,
        tunnels: v?.tunnels.length ?? 0, pfs: c.nics.map((n) => n.pf),
      };
    }));
    const pods = Object.values(this.pods).map((p) => {
      const b = bindings.get(sbRemoteOf(p.chassis))?.get(p.lport);
      return {
        name: p.name, chassis: p.chassis, representor: p.representor, ip: p.ip,
        bound: b?.chassis === p.chassis, up: b?.up ?? false, encapIp: b?.encapIp,
      };
    });
    const pending = allAlive ? await this.pendingNow()
      : daemons.filter((d) => !d.alive).map((d) => `${d.name} (pid ${d.pid}) not running`);
    return {
      id: this.id, name: this.name, workDir: this.workDir, phase: this.state.phase, upMs: this.state.upMs,
      nb: this.state.nb?.remote, sb: this.state.sb?.remote, fabric: this.state.fabric, daemons, chassis, pods,
      zones: zones.map((z) => ({ name: z.name, chassis: z.chassis, nb: z.nb.remote, sb: z.sb.remote })),
      zonesFile: this.state.zonesFile, pending,
    };
  }

  private pendingNow(): Promise<string[]> {
    if (this.scenario?.interconnect && this.state.zones) {
      return icMissing({ scenario: this.scenario, zones: this.state.zones, chassis: this.state.chassis, pods: Object.values(this.pods) });
    }
    return missing(this.readinessInput());
  }

  /** Stops every daemon the lab started, deletes its netns and work dir. Safe to call twice. */
  async down(): Promise<void> {
    this.state.phase = 'stopping';
    await this.ctx.save().catch(() => undefined);
    await teardownState(this.state);
  }
}
