// Public API of the dashboard (docs/dashboard.md).
export type * from './view.ts';
export type * from './inputs.ts';
export { TRAFFIC_CLASSES } from './view.ts';
export { buildDashboardView, bareIp, vtepId } from './buildView.ts';
export { inputsFromGathered, type FromStateOptions } from './fromState.ts';
export { ViewHub, type ViewListener } from './hub.ts';
export { LiveView, computeView, gatherLive, type LiveNode, type LiveViewOptions, type Tracer } from './live.ts';
export { startDashboardServer, type DashboardServer, type DashboardServerOptions } from './server.ts';
export { checkBind, DEFAULT_LISTEN, DashboardError } from './listen.ts';
export { waitForSignal } from './signals.ts';
export { computeZonesView, homeSouthbound, zoneViews, zonesDashboardView, ZonesPoller, type ZonesPollOptions } from './zonesView.ts';
