import type { Command } from '../command.ts';
import { labCommands } from './lab.ts';
import { runtimeCommands } from './runtime.ts';
import { verifyCommands } from './verify.ts';
import { traceCommands } from './trace.ts';
import { uiCommands } from './ui.ts';
import { demoCommands } from './demo.ts';
import { configCommands } from './config.ts';
import { attachCommands } from './attach.ts';
import { agentCommands } from './agent.ts';
import { nodeCommands } from './node.ts';
import { ovsdbCommands } from './ovsdb.ts';

// Each feature registers its commands here, one import per file.
export const commands: Command[] = [...runtimeCommands, ...labCommands, ...verifyCommands, ...traceCommands, ...uiCommands, ...demoCommands, ...configCommands, ...attachCommands, ...agentCommands, ...nodeCommands, ...ovsdbCommands];
