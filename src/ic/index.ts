// Public API of src/ic: multi-VTEP steering across OVN interconnect zones.
export { planL2, planL2Uninstall, type ObservedZone, type EncapWrite, type PendingPort, type ZonePlan } from './l2Plan.ts';
export { steerOnce, SB_MODE_MARKER, type SteerOnceOptions } from './once.ts';
export { SteerController, type SteerControllerOptions, type SteerEvent } from './controller.ts';
export { STEER_MARKER_KEY, writeRemoteEncaps } from './sbWriter.ts';
export { buildReport, formatReport, type SteerReport, type ZoneSteerReport, type ZoneNbReport } from './report.ts';
export { planL3, planL3Uninstall, vtepOrder, macForIpv4, steerRouterPort, steerTransitPort, L3_MARKER_KEY, L3_MARKER_VALUE, type L3Plan, type L3Zone, type NbZonePlan, type SteerPortSpec, type SteerRouteSpec } from './l3Plan.ts';
export { writeL3Plan } from './nbWriter.ts';
export { probeFeatures, probeZoneFeatures, PROBE_MARKER_VALUE, type FeatureVerdict, type ZoneFeatures, type ProbeOptions } from './features.ts';
