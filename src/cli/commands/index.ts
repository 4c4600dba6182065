import type { Command } from '../command.ts';
import { runtimeCommands } from './runtime.ts';

// Each feature registers its commands here, one import per file.
export const commands: Command[] = [...runtimeCommands];
