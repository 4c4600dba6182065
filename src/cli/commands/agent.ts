import type { Command } from '../command.ts';
import { commandTimeout, DEFAULT_TIMEOUT_S, parseCommandArgs, parseSeconds, requireOption } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import { DeadlineError, withDeadline } from '../../util/deadline.ts';
import { waitForSignal } from '../../web/signals.ts';
import { packageVersion } from '../version.ts';
import { requireSysfsRoot } from '../../sriov/index.ts';
import { AGENT_PORT } from '../../node/agent/ports.ts';
import { agentListen, jsonLogger, processMetrics, serveAgentHttp, startAgent, type AgentHandle, type LogLevel } from '../../node/agent/index.ts';
import { startAttachSocket, type AttachSocketServer } from '../../node/agent/attachSocket.ts';
import { CONDITION_TYPE, KubeReporter, nodeReport } from '../../node/agent/kube.ts';
import type { AgentLog } from '../../node/agent/log.ts';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const agent: Command = {
  name: 'agent',
  summary: 'keep every representor\'s encap-ip equal to its PF\'s VTEP (long-running reconciler)',
  usage: `Usage: mvtep agent --ovsdb REMOTE [--sysfs DIR] [--bridge br-int] [--chassis NAME]
                   [--listen ADDRESS[:PORT]] [--log-level info] [--resync SECONDS]
                   [--timeout SECONDS] [--start-timeout SECONDS]
                   [--attach-socket PATH [--attach-queue N]]
                   [--kube-node NAME [--kubeconfig FILE]]

Monitors the local Open_vSwitch database. For every Interface on the bridge
with an iface-id whose netdev is a VF or SF representor, keeps
external_ids:encap-ip equal to the VTEP ovn-pf-encap-ip-mapping gives its
PF: adds it, fixes drift, removes it when the PF is no longer mapped. Other
VIFs are left alone. Re-evaluates everything when ovn-encap-ip, the default
or the mapping change. Writes single-key mutates only and never writes an IP
that is not in ovn-encap-ip (reports it instead).

An agent started before ovsdb-server (node boot, OVS upgrade) waits for it,
retrying with backoff (1 s doubling to 8 s) and logging each attempt, with
/livez 200 and /readyz 503 meanwhile; it never exits for want of OVSDB.

  --ovsdb REMOTE      the node's Open_vSwitch database (unix:/run/openvswitch/db.sock)
  --sysfs DIR         sysfs root for representor -> PF resolution (default /sys); one
                      that cannot be read is refused (exit 2)
  --bridge NAME       integration bridge whose VIFs are managed (default br-int)
  --chassis NAME      chassis name for ovn-encap-ip-<chassis> keys (default: system-id)
  --log-level L       debug, info, warn or error (default info)
  --listen ADDR[:PORT]  serve /livez (200 while the process answers, whatever OVSDB
                      does), /readyz (200 once connected and the first full pass is
                      done, else 503 and why; /healthz is its alias) and /metrics on
                      one address: loopback or the node's IP (in a pod: $(POD_IP)),
                      never a wildcard; port ${AGENT_PORT} when none is given. A port
                      in use exits 2 naming its holder (9476 is ovnkube-node's)
  --resync SECONDS    full re-evaluation period (default 60, 0 = off)
  --timeout SECONDS   deadline of each connection attempt and each OVSDB request
                      (default ${DEFAULT_TIMEOUT_S}); a server that does not answer in time is
                      logged with the request, dropped and retried
  --start-timeout SECONDS  exit 3 if not ready within SECONDS, naming the server and
                      what it still waits for (default: wait for OVSDB as long as it takes)

  --attach-socket PATH  also serve attach/detach requests (mvtep attach --agent PATH) on
                      this unix socket (mode 0600; a stale socket is replaced, a live one
                      refused, exit 2) once ready: requests that arrive while a
                      transaction is in flight are written together in the next one
  --attach-queue N    requests waiting for a batch at most (default 1024); more are
                      refused with agent-overloaded

Kubernetes-visible state (opt-in; RBAC in deploy/agent-kube-state.yaml):
  --kube-node NAME    report to the Kubernetes API as this Node (in a pod:
                      $(NODE_NAME) from spec.nodeName): the node condition
                      ${CONDITION_TYPE} (True when every managed VIF is on its PF's
                      VTEP; False with the reason: AgentNotReady, VifsNotSteered,
                      EncapConfigError), patched on change and every 60 s, and a
                      Warning Event on the Node per problem (VifNotSteered,
                      EncapConfigError, SysfsUnreadable, EncapWriteFailed,
                      OvsdbDisconnected; the same one at most every 10 min), so
                      \`kubectl describe node\` shows them. An API that cannot be
                      reached or refuses is logged; steering goes on without it
  --kubeconfig FILE   credentials for --kube-node (default: the pod's service
                      account, else $KUBECONFIG or ~/.kube/config); unreadable: exit 2

Logs are JSON lines on stderr. SIGTERM/SIGINT stop cleanly; SIGHUP re-reads
sysfs and re-evaluates every VIF.

Examples:
  mvtep agent --ovsdb unix:/run/openvswitch/db.sock
  mvtep agent --ovsdb unix:/run/openvswitch/db.sock --listen 127.0.0.1 --start-timeout 60
  mvtep agent --ovsdb unix:/run/openvswitch/db.sock --attach-socket /run/mvtep/attach.sock`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ovsdb: { type: 'string' }, sysfs: { type: 'string' }, bridge: { type: 'string' }, chassis: { type: 'string' },
      listen: { type: 'string' }, 'log-level': { type: 'string' }, resync: { type: 'string' }, timeout: { type: 'string' },
      'start-timeout': { type: 'string' }, 'attach-socket': { type: 'string' }, 'attach-queue': { type: 'string' },
      'kube-node': { type: 'string' }, kubeconfig: { type: 'string' },
    });
    const remote = requireOption(values.ovsdb, 'ovsdb');
    const level = (values['log-level'] ?? 'info') as LogLevel;
    if (!LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`, values['log-level']);
    const resync = values.resync === undefined ? 60 : Number(values.resync);
    if (!Number.isFinite(resync) || resync < 0) throw new UsageError(`--resync '${values.resync}' is not a number of seconds`, values.resync);
    if (values.listen !== undefined) agentListen(values.listen);
    const attachQueue = values['attach-queue'] === undefined ? undefined : Number(values['attach-queue']);
    if (attachQueue !== undefined && !(Number.isInteger(attachQueue) && attachQueue > 0)) {
      throw new UsageError(`--attach-queue '${values['attach-queue']}' is not a positive number of requests`, values['attach-queue']);
    }
    if (attachQueue !== undefined && values['attach-socket'] === undefined) throw new UsageError('--attach-queue needs --attach-socket');
    const kubeNode = values['kube-node'];
    if (kubeNode !== undefined && !/^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(kubeNode)) {
      throw new UsageError(`--kube-node '${kubeNode}' is not a Kubernetes node name (lower-case DNS subdomain)`, kubeNode);
    }
    if (values.kubeconfig !== undefined && kubeNode === undefined) throw new UsageError('--kubeconfig needs --kube-node');
    const timeoutMs = commandTimeout(values.timeout);
    const startTimeoutMs = parseSeconds(values['start-timeout'], 'start-timeout');
    // A sysfs that cannot be read would leave the agent managing nothing while looking healthy: exit 2.
    requireSysfsRoot(values.sysfs ?? '/sys');
    const jsonLog = jsonLogger(io.stderr, level, { component: 'mvtep-agent' });
    const kube = kubeNode === undefined ? undefined
      : await KubeReporter.create({ nodeName: kubeNode, kubeConfig: await KubeReporter.loadConfig(values.kubeconfig), log: jsonLog });
    // Every log line may move the condition (connected, first pass done, a problem): one evaluation per turn of the loop.
    let report: (() => void) | undefined;
    let reportQueued = false;
    const log: AgentLog = kube === undefined ? jsonLog : (lvl, msg, fields) => {
      jsonLog(lvl, msg, fields);
      kube.observe(lvl, msg, fields);
      if (reportQueued || !report) return;
      reportQueued = true;
      setImmediate(() => {
        reportQueued = false;
        report?.();
      });
    };
    // Started before OVS (a node boot, an OVS upgrade): wait for it, unready, instead of exiting into CrashLoopBackOff.
    const handle = await startAgent({
      ovsdb: remote, sysfsRoot: values.sysfs ?? '/sys', bridge: values.bridge ?? 'br-int', log, resyncMs: resync * 1000, timeoutMs,
      waitForOvsdb: true, ...(values.chassis === undefined ? {} : { chassis: values.chassis }),
    });
    const wantsAttach = values['attach-socket'] !== undefined;
    let attach: AttachSocketServer | undefined;
    // Build info and process/runtime series once per daemon (library agents, as in the demo, share a process).
    const proc = processMetrics(packageVersion());
    const probes = {
      notReady: () => handle.notReady() ?? (wantsAttach && attach === undefined ? 'attach socket not serving yet' : undefined),
      metrics: async () => (await Promise.all([proc.metrics(), handle.metrics(), attach?.metrics() ?? ''])).join(''),
    };
    // Probes first: /livez answers (and a taken port fails) while the agent still waits for OVSDB.
    const http = values.listen === undefined ? undefined : await serveAgentHttp(probes, values.listen).catch(async (e: unknown) => {
      await handle.stop();
      throw e;
    });
    let heartbeat: NodeJS.Timeout | undefined;
    if (kube) {
      report = () => kube.update(nodeReport(probes.notReady(), handle.stats));
      report();
      // The condition's heartbeat (and a state no log line announced).
      heartbeat = setInterval(report, 30_000);
      heartbeat.unref();
    }
    // Handlers before the 'serving' line: a supervisor may signal as soon as it reads it.
    const onHup = () => handle.reload();
    process.on('SIGHUP', onHup);
    const stop = waitForSignal(['SIGTERM', 'SIGINT']);
    try {
      if (http) log('info', 'serving /livez, /readyz and /metrics', { listen: values.listen, port: http.port });
      const started = startTimeoutMs === undefined ? handle.ready : startDeadline(handle, startTimeoutMs, remote);
      const readied = started.then(() => 'ready' as const);
      // A stop signal may win the race: the start's later outcome has no reader then.
      readied.catch(() => {});
      const first = await Promise.race([readied, stop.promise]);
      if (first === 'ready' && wantsAttach) {
        attach = await startAttachSocket({
          ovsdb: remote, path: values['attach-socket']!, sysfsRoot: values.sysfs ?? '/sys', bridge: values.bridge ?? 'br-int', log, timeoutMs,
          ...(values.chassis === undefined ? {} : { chassis: values.chassis }),
          ...(attachQueue === undefined ? {} : { maxQueue: attachQueue }),
        });
        log('info', 'serving attach requests', { socket: attach.path });
      }
      const signal = await stop.promise;
      // A second signal while stopping gets the default action (the process ends).
      stop.cancel();
      log('info', 'signal received, stopping', { signal });
    } finally {
      stop.cancel();
      process.off('SIGHUP', onHup);
      await attach?.close();
      await http?.close();
      await handle.stop();
      clearInterval(heartbeat);
      report = undefined;
      // What is on its way to the API still goes, within a bound: a stop must not hang on it.
      if (kube) await withDeadline(kube.flush(), 2_000, 'kubernetes api').catch(() => {});
    }
    return 0;
  },
};

/**
 * `handle.ready` within --start-timeout, else exit 3 with what the agent
 * was still waiting for (/readyz's reason: the remote and the last error).
 */
async function startDeadline(handle: AgentHandle, ms: number, remote: string): Promise<void> {
  try {
    await withDeadline(handle.ready, ms, 'agent start');
  } catch (err) {
    if (!(err instanceof DeadlineError)) throw err;
    throw new DeadlineError(`agent start on ${remote} timed out: not ready within ${ms / 1000} s: ${handle.notReady() ?? 'ready just now'}`, { timeoutMs: ms });
  }
}

export const agentCommands: Command[] = [agent];
