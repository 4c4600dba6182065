import type { Command } from '../command.ts';
import { bounded, commandTimeout, parseCommandArgs, requireOption } from '../args.ts';
import { UsageError } from '../../util/errors.ts';
import { untilStopSignal } from '../../web/signals.ts';
import { requireSysfsRoot } from '../../sriov/index.ts';
import { agentListen, jsonLogger, serveAgentHttp, startAgent, type LogLevel } from '../../node/agent/index.ts';
import { startAttachSocket } from '../../node/agent/attachSocket.ts';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const agent: Command = {
  name: 'agent',
  summary: 'keep every representor\'s encap-ip equal to its PF\'s VTEP (long-running reconciler)',
  usage: `Usage: mvtep agent --ovsdb REMOTE [--sysfs DIR] [--bridge br-int] [--chassis NAME]
                   [--listen 127.0.0.1:PORT] [--log-level info] [--resync SECONDS]
                   [--timeout SECONDS] [--attach-socket PATH [--attach-queue N]]

Monitors the local Open_vSwitch database. For every Interface on the bridge
with an iface-id whose netdev is a VF or SF representor, keeps
external_ids:encap-ip equal to the VTEP ovn-pf-encap-ip-mapping gives its
PF: adds it, fixes drift, removes it when the PF is no longer mapped. Other
VIFs are left alone. Re-evaluates everything when ovn-encap-ip, the default
or the mapping change. Writes single-key mutates only and never writes an IP
that is not in ovn-encap-ip (reports it instead).

  --ovsdb REMOTE      the node's Open_vSwitch database (unix:/run/openvswitch/db.sock)
  --sysfs DIR         sysfs root for representor -> PF resolution (default /sys); one
                      that cannot be read is refused (exit 2)
  --bridge NAME       integration bridge whose VIFs are managed (default br-int)
  --chassis NAME      chassis name for ovn-encap-ip-<chassis> keys (default: system-id)
  --log-level L       debug, info, warn or error (default info)
  --listen HOST:PORT  serve /livez (200 while the process runs), /readyz (200 once
                      connected and synced, else 503 and why; /healthz is its alias)
                      and /metrics (loopback only)
  --resync SECONDS    full re-evaluation period (default 60, 0 = off)
  --timeout SECONDS   deadline of the start (connect, initial dump, first pass) and of
                      each OVSDB request later (default 30); a start that misses it
                      exits 3 naming the server, a later silent request is logged with
                      the server and request and the connection is retried

  --attach-socket PATH  also serve attach/detach requests (mvtep attach --agent PATH) on
                      this unix socket (mode 0600; a stale socket is replaced, a live one
                      refused, exit 2): requests that arrive while a transaction is in
                      flight are written together in the next one (group commit)
  --attach-queue N    requests waiting for a batch at most (default 1024); more are
                      refused with agent-overloaded

Logs are JSON lines on stderr. SIGTERM/SIGINT stop cleanly; SIGHUP re-reads
sysfs and re-evaluates every VIF.

Examples:
  mvtep agent --ovsdb unix:/run/openvswitch/db.sock
  mvtep agent --ovsdb tcp:127.0.0.1:6640 --log-level debug --resync 0 --timeout 10
  mvtep agent --ovsdb unix:/run/openvswitch/db.sock --attach-socket /run/mvtep/attach.sock`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ovsdb: { type: 'string' }, sysfs: { type: 'string' }, bridge: { type: 'string' }, chassis: { type: 'string' },
      listen: { type: 'string' }, 'log-level': { type: 'string' }, resync: { type: 'string' }, timeout: { type: 'string' },
      'attach-socket': { type: 'string' }, 'attach-queue': { type: 'string' },
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
    const timeoutMs = commandTimeout(values.timeout);
    // A sysfs that cannot be read would leave the agent managing nothing while looking healthy: exit 2.
    requireSysfsRoot(values.sysfs ?? '/sys');
    const log = jsonLogger(io.stderr, level, { component: 'mvtep-agent' });
    const handle = await startAgent({
      ovsdb: remote, sysfsRoot: values.sysfs ?? '/sys', bridge: values.bridge ?? 'br-int', log, resyncMs: resync * 1000, timeoutMs,
      ...(values.chassis === undefined ? {} : { chassis: values.chassis }),
    });
    try {
      // Started means synced: an agent that cannot read its node says so (exit 3) instead of idling unhealthy.
      await bounded(handle.ready, timeoutMs, `agent start: first full pass over ${remote} (see the log for the request that got no answer)`);
    } catch (err) {
      await handle.stop();
      throw err;
    }
    const attach = values['attach-socket'] === undefined ? undefined : await startAttachSocket({
      ovsdb: remote, path: values['attach-socket'], sysfsRoot: values.sysfs ?? '/sys', bridge: values.bridge ?? 'br-int', log, timeoutMs,
      ...(values.chassis === undefined ? {} : { chassis: values.chassis }),
      ...(attachQueue === undefined ? {} : { maxQueue: attachQueue }),
    }).catch(async (e: unknown) => {
      await handle.stop();
      throw e;
    });
    const probes = attach === undefined ? handle : { notReady: () => handle.notReady(), metrics: () => handle.metrics() + attach.metrics() };
    const http = values.listen === undefined ? undefined : await serveAgentHttp(probes, values.listen).catch(async (e: unknown) => {
      await attach?.close();
      await handle.stop();
      throw e;
    });
    // Handlers before the 'serving' line: a supervisor may signal as soon as it reads it.
    const onHup = () => handle.reload();
    process.on('SIGHUP', onHup);
    const stopped = untilStopSignal(log);
    if (attach) log('info', 'serving attach requests', { socket: attach.path });
    if (http) log('info', 'serving /livez, /readyz and /metrics', { listen: values.listen, port: http.port });
    await stopped;
    process.off('SIGHUP', onHup);
    await attach?.close();
    await http?.close();
    await handle.stop();
    return 0;
  },
};

export const agentCommands: Command[] = [agent];
