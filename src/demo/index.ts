// Public API of the demo orchestration (docs/demo.md).
export { runDemo, allConfirmed, breakAndJudge, wireAfterBreak, type DemoOptions, type DemoOutcome } from './run.ts';
export { setupDemo, awaitDemo, bindingsMissing, DemoInterrupted, type DemoSession, type SetupOptions } from './session.ts';
export { planDemo, planDemoFromText, demoNodeSpec, seedDatapath, DemoError, MIN_NODES, MAX_NODES, DEMO_DATAPATHS, type DemoDatapath, type DemoPlan } from './plan.ts';
export { BREAK_CHECKS, BOGUS_ENCAP_IP, parseBreakCheck, injectBreak, judgeBreak, type BreakCheck, type Injected, type BreakVerdict } from './break.ts';
export { formatSteeringTable, summaryLine } from './table.ts';
export { makeTracer, tracePair, choosePairs, type Confirmer, type TracerOptions } from './trace.ts';
export { labConfirmer, labNics, labViewOptions, labLiveOptions } from './labSource.ts';
export { startDemoAgents, type DemoAgents } from './agents.ts';
export { probeWire, wirePairs, wirePath, wireSummary, wireText, wireVerdict, type WireOptions, type WirePath, type WireReport, type WireVerdict } from './wire.ts';
export { chooseDatapath, NETDEV_RELEASE, type DatapathChoice } from './datapath.ts';
