// Public API of the node agent (reconciler) for the CLI, the lab demo and tests.
export { startAgent, type AgentHandle, type AgentOptions, type AgentStats } from './agent.ts';
export { reconcile, configFingerprint, type EncapMutation, type AgentProblem, type RepLookup, type ReconcileResult } from './reconcile.ts';
export { jsonLogger, silentLog, type AgentLog, type LogLevel } from './log.ts';
export { serveAgentHttp, agentListen, ListenError } from './http.ts';
export { AGENT_PORT, KNOWN_NODE_PORTS } from './ports.ts';
export { processMetrics } from './metrics.ts';
export * from './ovsView.ts';
