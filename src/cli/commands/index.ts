import type { Command } from '../command.ts';

/**
 * Every command module, keyed by the first words of the commands it holds.
 * Modules are imported only when one of their commands runs (or for the full
 * help), so `mvtep verify` does not pay for loading the demo and dashboard.
 * A feature registers here: one line, its first words and its module.
 */
export const commandModules: ReadonlyArray<{ readonly words: readonly string[]; load(): Promise<Command[]> }> = [
  { words: ['runtime'], load: async () => (await import('./runtime.ts')).runtimeCommands },
  { words: ['lab'], load: async () => (await import('./lab.ts')).labCommands },
  { words: ['verify'], load: async () => (await import('./verify.ts')).verifyCommands },
  { words: ['trace'], load: async () => (await import('./trace.ts')).traceCommands },
  { words: ['probe'], load: async () => (await import('./probe.ts')).probeCommands },
  { words: ['ui'], load: async () => (await import('./ui.ts')).uiCommands },
  { words: ['demo'], load: async () => (await import('./demo.ts')).demoCommands },
  { words: ['config'], load: async () => (await import('./config.ts')).configCommands },
  { words: ['attach', 'detach'], load: async () => (await import('./attach.ts')).attachCommands },
  { words: ['agent'], load: async () => (await import('./agent.ts')).agentCommands },
  { words: ['node'], load: async () => (await import('./node.ts')).nodeCommands },
  { words: ['ic'], load: async () => (await import('./ic.ts')).icCommands },
  { words: ['ovsdb'], load: async () => (await import('./ovsdb.ts')).ovsdbCommands },
  { words: ['schema'], load: async () => (await import('./schema.ts')).schemaCommands },
];

/** The commands that may match argv (all of them when the first word is unknown, for help). */
export async function loadCommands(firstWord?: string): Promise<Command[]> {
  const matching = commandModules.filter((m) => firstWord !== undefined && m.words.includes(firstWord));
  const chosen = matching.length > 0 ? matching : commandModules;
  return (await Promise.all(chosen.map((m) => m.load()))).flat();
}
