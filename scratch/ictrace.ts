import { attachLab } from '../src/lab/index.ts';
const lab = await attachLab(process.argv[2]!);
const pods = Object.values(lab.pods);
let wrong = 0, n = 0;
for (const a of pods) for (const b of pods) {
  if (a.chassis === b.chassis) continue;
  if (a.switch.startsWith('ls-hv') !== b.switch.startsWith('ls-hv')) continue;
  const e = await lab.traceEgress(a.name, b.name);
  n++;
  if (e.kind !== 'tunnel') { console.log(a.name, '->', b.name, e.kind, e.kind === 'dropped' ? e.trace.slice(-1500) : ''); continue; }
  const ok = e.localIp === a.encapIp && e.remoteIp === b.encapIp;
  if (!ok) wrong++;
  console.log(a.name, '->', b.name, e.localIp, '->', e.remoteIp, ok ? 'OK' : 'WRONG');
}
console.log(`${wrong}/${n} wrong`);
