// Child process for the SIGINT test: starts a lab with signal handling on,
// logging each step to stderr so the parent knows when to interrupt.
import { loadScenario, startLab } from '../../../src/lab/index.ts';

const [scenarioPath, workRoot] = process.argv.slice(2);
const scenario = await loadScenario(scenarioPath!);
const lab = await startLab(scenario, { workRoot: workRoot!, log: (l) => process.stderr.write(`${l}\n`) });
process.stderr.write('UP\n');
await lab.down();
