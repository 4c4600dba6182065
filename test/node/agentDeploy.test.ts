import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { agentCommands } from '../../src/cli/commands/agent.ts';
import { AGENT_PORT, agentListen } from '../../src/node/agent/index.ts';

// deploy/ must run exactly what `mvtep agent` accepts, on the host network,
// with /sys and the OVS run dir mounted, probes on /readyz and /livez without
// `host:` (Pod Security Baseline forbids it from Kubernetes 1.34), and every
// port (probes, monitors, the kube-rbac-proxy option) the code's default.
const deployDir = new URL('../../deploy/', import.meta.url);

type Obj = Record<string, unknown>;
interface Port { name?: string; containerPort: number }
interface HttpGet { host?: string; port: number | string; path: string; scheme?: string }
interface Probe { httpGet: HttpGet }
interface Container {
  name: string; args: string[]; env?: Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>; ports?: Port[];
  readinessProbe: Probe; livenessProbe: Probe; volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface PodSpec { hostNetwork: boolean; automountServiceAccountToken?: boolean; containers: Container[]; volumes: Array<{ name: string; hostPath?: { path: string } }> }
interface Doc { kind?: string; metadata?: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Obj }

const files = readdirSync(deployDir).filter((f) => f.endsWith('.yaml'));
const docsOf = (file: string): Doc[] => parseAllDocuments(readFileSync(new URL(file, deployDir), 'utf8')).map((d) => d.toJS() as Doc);
const all = files.flatMap((f) => docsOf(f).map((d) => ({ file: f, doc: d })));
const find = (file: string, kind: string) => {
  const d = docsOf(file).find((x) => x.kind === kind);
  assert.ok(d, `${file}: no ${kind}`);
  return d;
};
const daemonSet = find('agent-daemonset.yaml', 'DaemonSet') as Doc & { spec: { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } };
const podLabels = daemonSet.spec.template.metadata.labels;
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

const optionsOf = (c: Container) => new Map(c.args.slice(1).map((a) => {
  const m = /^--([a-z-]+)=(.*)$/.exec(a);
  assert.ok(m, `argument ${a} is not --name=value`);
  return [m[1]!, m[2]!] as const;
}));

/** A probe's port: a number, or the name of a port of the probed container (the kubelet looks nowhere else). */
function probePort(c: Container, p: number | string): number {
  if (typeof p === 'number') return p;
  const found = (c.ports ?? []).find((x) => x.name === p);
  assert.ok(found, `${c.name}: no port named ${p} in this container`);
  return found.containerPort;
}

/** A monitor's port: the name of a port of any container of the pod. */
function podPort(pod: PodSpec, name: string): number {
  const found = pod.containers.flatMap((c) => c.ports ?? []).find((x) => x.name === name);
  assert.ok(found, `no container port named ${name}`);
  return found.containerPort;
}

test('the DaemonSet runs the agent with options the CLI accepts, on the host network', () => {
  const pod = daemonSet.spec.template.spec;
  assert.equal(pod.hostNetwork, true);
  const c = pod.containers[0]!;
  assert.equal(c.args[0], 'agent');
  const usage = agentCommands[0]!.usage;
  const opts = optionsOf(c);
  for (const name of opts.keys()) assert.ok(usage.includes(`--${name}`), `--${name} is not an agent option`);
  // Readiness follows OVSDB; liveness must not (an OVS outage must not restart the agent).
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/livez');
  const mount = (path: string) => c.volumeMounts.find((m) => m.mountPath === path);
  const hostPathOf = (name: string | undefined) => pod.volumes.find((v) => v.name === name)?.hostPath?.path;
  assert.equal(hostPathOf(mount(opts.get('sysfs')!)?.name), '/sys');
  assert.equal(mount(opts.get('sysfs')!)?.readOnly, true);
  const sock = opts.get('ovsdb')!.replace(/^unix:/, '');
  const runDir = c.volumeMounts.find((m) => sock.startsWith(m.mountPath + '/'));
  assert.equal(hostPathOf(runDir?.name), '/var/run/openvswitch');
  assert.equal(pod.automountServiceAccountToken, false);
  assert.ok(docsOf('agent-daemonset.yaml').some((d) => d.kind === 'ServiceAccount'));
});

test('the agent listens on the pod IP (downward API) at the code\'s default port, where the probes and the metrics port point', () => {
  const pod = daemonSet.spec.template.spec;
  const c = pod.containers[0]!;
  const listen = optionsOf(c).get('listen')!;
  const ref = /\$\(([A-Z_]+)\)/.exec(listen)?.[1];
  assert.equal(ref, 'POD_IP', listen);
  assert.equal(c.env?.find((e) => e.name === ref)?.valueFrom?.fieldRef?.fieldPath, 'status.podIP');
  // The kubelet substitutes the pod IP, of either family.
  for (const ip of ['192.0.2.10', '2001:db8::10']) {
    assert.deepEqual(agentListen(listen.replace('$(POD_IP)', ip)), { host: ip, port: AGENT_PORT }, ip);
  }
  assert.equal(AGENT_PORT, 9486);
  assert.equal(probePort(c, c.readinessProbe.httpGet.port), AGENT_PORT);
  assert.equal(probePort(c, c.livenessProbe.httpGet.port), AGENT_PORT);
  assert.equal(podPort(pod, 'metrics'), AGENT_PORT);
});

test('no probe in deploy/ has a host: field, and nothing uses 9476 (ovnkube-node\'s OVN metrics port)', () => {
  const probes: string[] = [];
  const walk = (v: unknown, where: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Obj)) {
        if (/^(readiness|liveness|startup)Probe$/.test(k)) {
          probes.push(`${where}.${k}`);
          for (const handler of ['httpGet', 'tcpSocket', 'grpc']) {
            const h = (x as Obj)[handler] as Obj | undefined;
            assert.ok(h === undefined || !('host' in h), `${where}.${k}.${handler} has host:`);
          }
        }
        walk(x, `${where}.${k}`);
      }
    } else if (typeof v === 'number' || typeof v === 'string') {
      assert.doesNotMatch(String(v), /(^|:)9476\b/, where);
    }
  };
  for (const { file, doc } of all) walk(doc, file);
  // The DaemonSet's two and the patch's two at least were seen.
  assert.ok(probes.length >= 4, probes.join(', '));
});

test('PodMonitor and ServiceMonitor scrape the agent pods\' metrics port', () => {
  const pod = daemonSet.spec.template.spec;
  const ns = daemonSet.metadata!.namespace;
  const pm = find('agent-podmonitor.yaml', 'PodMonitor') as Doc & { spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Array<{ port: string; path: string }> } };
  assert.equal(pm.metadata!.namespace, ns);
  assert.ok(selects(pm.spec.selector.matchLabels, podLabels));
  assert.equal(podPort(pod, pm.spec.podMetricsEndpoints[0]!.port), AGENT_PORT);
  assert.equal(pm.spec.podMetricsEndpoints[0]!.path, '/metrics');

  const svc = find('agent-servicemonitor.yaml', 'Service') as Doc & { spec: { clusterIP: string; selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string | number }> } };
  const sm = find('agent-servicemonitor.yaml', 'ServiceMonitor') as Doc & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string }> } };
  assert.equal(svc.metadata!.namespace, ns);
  assert.equal(sm.metadata!.namespace, ns);
  assert.ok(selects(svc.spec.selector, podLabels));
  assert.ok(selects(sm.spec.selector.matchLabels, svc.metadata!.labels ?? {}));
  const sp = svc.spec.ports.find((p) => p.name === sm.spec.endpoints[0]!.port);
  assert.ok(sp);
  assert.equal(sp.port, AGENT_PORT);
  assert.equal(typeof sp.targetPort === 'number' ? sp.targetPort : podPort(pod, sp.targetPort), AGENT_PORT);
});

/** kubectl's strategic merge, for the shapes the patch uses: containers/volumes by name, ports by containerPort. */
function strategicMerge(base: unknown, patch: unknown, key?: string): unknown {
  if (Array.isArray(patch)) {
    const mergeKey = key === 'containers' || key === 'volumes' ? 'name' : key === 'ports' ? 'containerPort' : undefined;
    if (!mergeKey || !Array.isArray(base)) return patch;
    let out = [...(base as Obj[])];
    for (const p of patch as Obj[]) {
      const i = out.findIndex((b) => b[mergeKey] === p[mergeKey]);
      if (p['$patch'] === 'delete') out = out.filter((_, j) => j !== i);
      else if (i >= 0) out[i] = strategicMerge(out[i], p) as Obj;
      else out.push(p);
    }
    return out;
  }
  if (patch && typeof patch === 'object' && base && typeof base === 'object') {
    const out: Obj = { ...(base as Obj) };
    for (const [k, v] of Object.entries(patch as Obj)) out[k] = strategicMerge(out[k], v, k);
    return out;
  }
  return patch;
}

test('kube-rbac-proxy option: the agent on loopback behind the proxy, probes through the proxy\'s unauthenticated paths, a token for the proxy only', () => {
  const patch = docsOf('agent-rbac-proxy.patch.yaml')[0] as { spec: { template: { spec: PodSpec } } };
  const pod = strategicMerge(daemonSet.spec.template.spec, patch.spec.template.spec) as PodSpec;
  const agent = pod.containers.find((c) => c.name === 'agent')!;
  const proxy = pod.containers.find((c) => c.name === 'kube-rbac-proxy');
  assert.ok(proxy);
  const base = optionsOf(daemonSet.spec.template.spec.containers[0]!);
  const patched = optionsOf(agent);
  assert.deepEqual(agentListen(patched.get('listen')!), { host: '127.0.0.1', port: AGENT_PORT });
  // The patch repeats the base arguments (a list is replaced whole): only --listen may differ.
  for (const m of [base, patched]) m.delete('listen');
  assert.deepEqual(patched, base);
  assert.equal(agent.ports?.length ?? 0, 0, 'the agent declares no port on the node IP any more');
  const popts = new Map(proxy.args.map((a) => a.replace(/^--/, '').split(/=(.*)/s).slice(0, 2) as [string, string]));
  assert.equal(popts.get('upstream'), `http://127.0.0.1:${AGENT_PORT}/`);
  const secure = Number(/:(\d+)$/.exec(popts.get('secure-listen-address')!)![1]);
  const ignored = popts.get('ignore-paths')!.split(',');
  for (const probe of [agent.readinessProbe, agent.livenessProbe]) {
    assert.equal(probe.httpGet.scheme, 'HTTPS');
    assert.equal(probePort(agent, probe.httpGet.port), secure);
    assert.ok(ignored.includes(probe.httpGet.path), `${probe.httpGet.path} needs a token through the proxy`);
  }
  assert.equal(pod.automountServiceAccountToken, false);
  const tokenMount = (c: Container) => c.volumeMounts?.some((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount');
  assert.equal(tokenMount(proxy), true);
  assert.equal(tokenMount(agent), false);
  assert.ok(pod.volumes.some((v) => v.name === 'proxy-token'));

  const rbac = docsOf('agent-rbac-proxy.yaml');
  const pm = rbac.find((d) => d.kind === 'PodMonitor') as Doc & { spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Array<{ port: string; scheme: string; authorization: { credentials: { name: string } } }> } };
  assert.ok(selects(pm.spec.selector.matchLabels, podLabels));
  const ep = pm.spec.podMetricsEndpoints[0]!;
  assert.equal(ep.scheme, 'https');
  assert.equal(podPort(pod, ep.port), secure);
  assert.equal(podPort(pod, 'https-metrics'), secure);
  assert.ok(rbac.some((d) => d.kind === 'Secret' && d.metadata?.name === ep.authorization.credentials.name));
  const binding = rbac.find((d) => d.kind === 'ClusterRoleBinding' && d.metadata?.name === 'mvtep-agent-rbac-proxy') as Doc & { subjects: Array<{ name: string; namespace: string }> } | undefined;
  assert.deepEqual(binding?.subjects.map((s) => `${s.namespace}/${s.name}`), [`${daemonSet.metadata!.namespace}/mvtep-agent`]);
});
