/**
 * The agent's HTTP port (/livez, /readyz, /metrics). Chosen away from every
 * port OVN-Kubernetes and the usual node exporters use: the agent runs on the
 * host network beside them, and 9476, its first default, is ovnkube-node's
 * OVN metrics port, so the agent failed to start wherever ovnkube bound 0.0.0.0.
 */
export const AGENT_PORT = 9486;

/**
 * Well-known listeners on a node running OVN-Kubernetes, named when the
 * agent's port is taken (the defaults of dist/images/ovnkube.sh and of
 * OpenShift's kube-rbac-proxy sidecars).
 */
export const KNOWN_NODE_PORTS: ReadonlyMap<number, string> = new Map([
  [9100, 'node-exporter metrics'],
  [9103, 'OpenShift: kube-rbac-proxy of ovnkube-node metrics'],
  [9105, 'OpenShift: kube-rbac-proxy of ovnkube-node OVN metrics'],
  [9310, 'OVN-Kubernetes: OVS metrics exporter'],
  [9409, 'ovnkube-master / cluster-manager metrics (--metrics-bind-address)'],
  [9410, 'ovnkube-node metrics (--metrics-bind-address)'],
  [9476, 'ovnkube-node OVN metrics (--ovn-metrics-bind-address)'],
  [29103, 'OpenShift: ovnkube-node metrics behind kube-rbac-proxy'],
  [29105, 'OpenShift: ovnkube-node OVN metrics behind kube-rbac-proxy'],
]);
