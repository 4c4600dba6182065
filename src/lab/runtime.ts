// The OVN/OVS runtime: which releases exist, finding an installed one, installing one.
export * from './releases.ts';
export * from './runtimeCache.ts';
export { installRuntime } from './runtimeInstall.ts';
