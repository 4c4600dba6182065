// Types for source-stamp.mjs (plain JS: bin/mvtep.js imports it before tsx is loaded).
export interface SourceStamp {
  readonly files: number;
  readonly newestMs: number;
}
export function sourceStamp(root: string): SourceStamp;
export const STAMP_FILE: string;
export function buildIsCurrent(root: string, env?: NodeJS.ProcessEnv): boolean;
