import { loadScenario, startLab } from '../src/lab/index.ts';
const lab = await startLab(await loadScenario('/work/wt/ic/examples/seed-ic.yaml'), { workRoot: '/tmp/icl', handleSignals: false, readyTimeoutMs: 60000, log: (l) => console.log(new Date().toISOString().slice(11,23), l) });
console.log('UP', lab.workDir);
