// Types for test-selection.mjs (plain JS: scripts/test.mjs runs before tsx is loaded).
export const RUNTIME_MODULES: readonly string[];
export const PROGRAM_IN_TEST: RegExp;
export const PROGRAM_LITERAL: RegExp;
export function testFiles(root: string): string[];
export function runtimeChains(root: string, files?: readonly string[]): Map<string, string[]>;
