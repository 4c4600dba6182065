// Kubernetes-visible state (opt-in, `mvtep agent --kube-node NAME`): the
// agent's problems as Events on its Node and one node condition, so
// `kubectl describe node` shows them next to the kubelet's. Through the
// official client library, loaded only when asked for (it is large and most
// agents never talk to the API).
import type { KubeConfig } from '@kubernetes/client-node';
import { errorMessage, MvtepError } from '../../util/errors.ts';
import type { AgentStats } from './agent.ts';
import type { AgentLog, LogFields, LogLevel } from './log.ts';

/** The node condition's type (status True: every managed VIF is on its PF's VTEP). */
export const CONDITION_TYPE = 'MultiVtepSteering';
export const EVENT_SOURCE = 'mvtep-agent';
/** Node events live in the default namespace, as the kubelet's do. */
const EVENT_NAMESPACE = 'default';
/** The same event (reason and message) is posted at most this often. */
const EVENT_REPEAT_MS = 10 * 60_000;
/** An unchanged condition is re-sent this often (its heartbeat). */
const HEARTBEAT_MS = 60_000;
/** A node condition's message is short in `kubectl describe node`; the rest is in the agent's log. */
const MESSAGE_MAX = 400;

export interface NodeReport {
  readonly ok: boolean;
  /** CamelCase, as Kubernetes reasons are. */
  readonly reason: string;
  readonly message: string;
}

function clip(text: string): string {
  return text.length <= MESSAGE_MAX ? text : `${text.slice(0, MESSAGE_MAX - 3)}...`;
}

/** The condition for the agent's state: not ready, VIFs it refuses to steer, config errors, or all steered. */
export function nodeReport(notReady: string | undefined, stats: AgentStats): NodeReport {
  if (notReady !== undefined) return { ok: false, reason: 'AgentNotReady', message: clip(notReady) };
  if (stats.problems.length > 0) {
    const shown = stats.problems.slice(0, 3).map((p) => `${p.iface}: ${p.message}`).join('; ');
    const more = stats.problems.length > 3 ? ` (and ${stats.problems.length - 3} more)` : '';
    return { ok: false, reason: 'VifsNotSteered', message: clip(`${stats.problems.length} VIF(s) not on their PF's VTEP: ${shown}${more}`) };
  }
  if (stats.configErrors > 0) {
    return { ok: false, reason: 'EncapConfigError', message: clip(`${stats.configErrors} error(s) in ovn-encap-ip / ovn-pf-encap-ip-mapping (see the agent's log)`) };
  }
  return { ok: true, reason: 'AllVifsSteered', message: `${stats.managed} VIF(s) on their PF's VTEP` };
}

/** Log lines that become Warning events, by reason; others (waiting, info) only move the condition. */
const EVENT_REASONS: Readonly<Record<string, string>> = {
  'not reconciled': 'VifNotSteered',
  'config error': 'EncapConfigError',
  'cannot read sysfs': 'SysfsUnreadable',
  'encap-ip write failed; will retry': 'EncapWriteFailed',
  'ovsdb disconnected': 'OvsdbDisconnected',
};

export interface NodeEvent {
  readonly reason: string;
  readonly message: string;
}

/** The Event for a log line, or undefined when the line is not one. */
export function eventOf(level: LogLevel, msg: string, fields: LogFields = {}): NodeEvent | undefined {
  const reason = EVENT_REASONS[msg];
  if (!reason || (level !== 'warn' && level !== 'error')) return undefined;
  const detail = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return { reason, message: clip(detail ? `${msg}: ${detail}` : msg) };
}

export interface KubeReporterOptions {
  readonly nodeName: string;
  readonly kubeConfig: KubeConfig;
  /** Where failed API requests are logged (never fed back as events). */
  readonly log: AgentLog;
  readonly now?: () => Date;
}

/**
 * Sends the condition when it changes (and as a heartbeat) and an Event per
 * distinct problem, one request at a time. The API being down or refusing
 * (RBAC) is logged and never stops the agent: steering does not depend on it.
 */
export class KubeReporter {
  private chain: Promise<void> = Promise.resolve();
  private last: (NodeReport & { sentMs: number; transition: string }) | undefined;
  private readonly posted = new Map<string, number>();
  private readonly now: () => Date;

  private constructor(
    private readonly opts: KubeReporterOptions,
    private readonly core: import('@kubernetes/client-node').CoreV1Api,
    private readonly lib: typeof import('@kubernetes/client-node'),
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  static async create(opts: KubeReporterOptions): Promise<KubeReporter> {
    const lib = await import('@kubernetes/client-node');
    return new KubeReporter(opts, opts.kubeConfig.makeApiClient(lib.CoreV1Api), lib);
  }

  /** A kubeconfig file, else the pod's service account (in a cluster), else ~/.kube/config. */
  static async loadConfig(file?: string): Promise<KubeConfig> {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    try {
      if (file !== undefined) kc.loadFromFile(file);
      else kc.loadFromDefault();
    } catch (err) {
      throw new MvtepError('kubeconfig-unreadable', `cannot load the kubeconfig ${file ?? '(default)'}: ${errorMessage(err)}`, file, { cause: err });
    }
    return kc;
  }

  /** Patches the node condition if it changed or its heartbeat is due. */
  update(report: NodeReport): void {
    const now = this.now();
    const prev = this.last;
    const changed = !prev || prev.ok !== report.ok || prev.reason !== report.reason || prev.message !== report.message;
    if (!changed && now.getTime() - prev.sentMs < HEARTBEAT_MS) return;
    const transition = prev && prev.ok === report.ok ? prev.transition : now.toISOString();
    this.last = { ...report, sentMs: now.getTime(), transition };
    const condition = {
      type: CONDITION_TYPE, status: report.ok ? 'True' : 'False', reason: report.reason, message: report.message,
      lastHeartbeatTime: now.toISOString(), lastTransitionTime: transition,
    };
    // Strategic merge: conditions merge by type, so the kubelet's own stay as they are.
    this.enqueue('patch node status', () => this.core.patchNodeStatus({ name: this.opts.nodeName, body: { status: { conditions: [condition] } } },
      this.lib.setHeaderOptions('Content-Type', this.lib.PatchStrategy.StrategicMergePatch)));
  }

  /** A Warning event on the Node for a log line that is a problem (see eventOf). */
  observe(level: LogLevel, msg: string, fields?: LogFields): void {
    const ev = eventOf(level, msg, fields);
    if (!ev) return;
    const now = this.now();
    const key = `${ev.reason}\n${ev.message}`;
    const at = this.posted.get(key);
    if (at !== undefined && now.getTime() - at < EVENT_REPEAT_MS) return;
    this.posted.set(key, now.getTime());
    const node = this.opts.nodeName;
    this.enqueue('create event', () => this.core.createNamespacedEvent({
      namespace: EVENT_NAMESPACE,
      body: {
        metadata: { generateName: `${node}.mvtep-` },
        // The kubelet's node events use the node name as uid; `kubectl describe node` matches them so.
        involvedObject: { kind: 'Node', apiVersion: 'v1', name: node, uid: node },
        type: 'Warning', reason: ev.reason, message: ev.message,
        source: { component: EVENT_SOURCE, host: node },
        reportingComponent: EVENT_SOURCE, reportingInstance: node,
        firstTimestamp: now, lastTimestamp: now, count: 1,
      },
    }));
  }

  /** Resolves when every request so far has been answered (or failed and been logged). */
  flush(): Promise<void> {
    return this.chain;
  }

  private enqueue(what: string, request: () => Promise<unknown>): void {
    this.chain = this.chain.then(request).then(() => {}, (err: unknown) => {
      const code = (err as { code?: unknown }).code;
      this.opts.log('warn', 'kubernetes api request failed', {
        request: what, node: this.opts.nodeName, ...(typeof code === 'number' ? { status: code } : {}), error: errorMessage(err).slice(0, 300),
      });
    });
  }
}
