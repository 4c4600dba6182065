export * from './types.ts';
export { explainPath, parseBindingMac, TraceError } from './explain.ts';
export { compareWithObserved, kernelRoute, traceFlow, type ConfirmInputs } from './confirm.ts';
export { formatTrace } from './format.ts';
export { gatheredRoute, ovsRoute, ovsRoutesTunnels, ovsTraceRoute, routeCommand, routerName, traceRoute } from './route.ts';
export { traceLive, type LiveTraceOptions } from './live.ts';
export { explainAcrossZones, finishAcrossZones, planAcrossZones, traceAcrossZones, type ZonePathPlan, type ZonesTraceOptions } from './zones.ts';
