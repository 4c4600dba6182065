import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AgentStats } from './agent.ts';

// Prometheus exposition through prom-client (the text format, escaping and
// conventions are its job): base units (seconds), `_total` counters, one
// registry per component so that several agents in one process (the demo)
// never share series.

/** Change seen -> write committed, in seconds: 1 ms .. 5 s. */
const REACTION_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5];

/**
 * A counter mirroring a number the component already keeps for its stats,
 * read at scrape time: one source of truth, no second increment to forget.
 */
export function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name, help, registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

export function scrapedGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name, help, registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export interface AgentMetricsSource {
  readonly stats: AgentStats;
  healthy(): boolean;
}

/** The reconciler's metrics (`mvtep_agent_*`). */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly reaction: Histogram;

  constructor(source: AgentMetricsSource, bridge: string) {
    const r = this.registry;
    scrapedGauge(r, 'mvtep_agent_up', 'ready: OVSDB connected, monitor live, first pass done, sysfs readable', () => (source.healthy() ? 1 : 0));
    new Gauge({
      name: 'mvtep_agent_managed_interfaces', help: 'VF/SF representor VIFs with an iface-id on the bridge', labelNames: ['bridge'], registers: [r],
      collect() {
        this.set({ bridge }, source.stats.managed);
      },
    });
    new Gauge({
      name: 'mvtep_agent_problems', help: 'VIFs left alone and reported, by reason', labelNames: ['kind'], registers: [r],
      collect() {
        const byKind = new Map<string, number>([['not-listed', 0], ['unusable', 0], ['sriov', 0]]);
        for (const p of source.stats.problems) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
        for (const [kind, n] of byKind) this.set({ kind }, n);
      },
    });
    scrapedGauge(r, 'mvtep_agent_config_errors', 'rejected entries in the node encap keys', () => source.stats.configErrors);
    scrapedGauge(r, 'mvtep_agent_config_warnings', 'warnings about the node encap keys', () => source.stats.configWarnings);
    mirroredCounter(r, 'mvtep_agent_passes_total', 'reconcile passes', () => source.stats.passes);
    mirroredCounter(r, 'mvtep_agent_transactions_total', 'OVSDB write transactions', () => source.stats.transactions);
    mirroredCounter(r, 'mvtep_agent_encap_ip_sets_total', 'encap-ip keys set or corrected', () => source.stats.sets);
    mirroredCounter(r, 'mvtep_agent_encap_ip_removes_total', 'encap-ip keys removed (PF unmapped)', () => source.stats.removes);
    mirroredCounter(r, 'mvtep_agent_write_errors_total', 'failed write transactions (retried)', () => source.stats.writeErrors);
    this.reaction = new Histogram({
      name: 'mvtep_agent_reaction_seconds', help: 'from the OVSDB change seen to the encap-ip write committed',
      buckets: REACTION_BUCKETS, registers: [r],
    });
  }

  observeReactionMs(ms: number): void {
    this.reaction.observe(ms / 1000);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * The daemon's own series, once per process: `mvtep_build_info` and
 * prom-client's process and Node.js runtime metrics (CPU, memory, open fds,
 * event-loop lag, heap, GC).
 */
export function processMetrics(version: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const info = new Gauge({ name: 'mvtep_build_info', help: 'mvtep build: version and the Node.js running it (always 1)', labelNames: ['version', 'nodejs'], registers: [registry] });
  info.set({ version, nodejs: process.version }, 1);
  return registry;
}

/** Content type of the text the registries render (Prometheus text format 0.0.4). */
export const METRICS_CONTENT_TYPE = new Registry().contentType;
