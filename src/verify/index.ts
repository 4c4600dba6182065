// verify checks the observed state (src/observe); its types are re-exported
// here because checks, reports and callers speak in them.
export * from '../observe/state.ts';
export * from '../observe/snapshot.ts';
export * from './findings.ts';
export { runChecks } from './checks/index.ts';
export * from './report.ts';
export { buildContext, type CheckContext, type NodeContext, type SbIndex, type ZoneContext } from './context.ts';
export { checkCoverage, describeNotRun, CHECK_INPUTS, type CheckCoverage, type CheckInput } from './coverage.ts';
export { judgeInterconnect, type IcJudgement, type ReadableZone, type RemotePortJudgement } from './icJudge.ts';
