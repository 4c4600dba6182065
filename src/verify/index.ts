export * from './state.ts';
export * from './findings.ts';
export * from './snapshot.ts';
export { runChecks } from './checks/index.ts';
export * from './report.ts';
export { buildContext, type CheckContext, type NodeContext, type SbIndex } from './context.ts';
