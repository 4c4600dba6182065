import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenario, startLab } from '../../src/lab/index.ts';
import { gatherNode } from '../../src/verify/gather/index.ts';
test('probe', async () => {
  const root = await mkdtemp(join(tmpdir(), 'mvz-'));
  const lab = await startLab(parseScenario(`name: z
chassis:
  - name: hv1
    encapIps: [192.0.2.11, 192.0.2.100]
  - name: hv2
    encapIps: [198.51.100.1, 198.51.100.2]
`, 'z.yaml'), { workRoot: root, handleSignals: false });
  try {
    await lab.vsctl('hv2', ['set', 'Open_vSwitch', '.', 'external_ids:ovn-encap-ip="198.51.100.1, 198.51.100.2"']);
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const n = await gatherNode(lab.chassis['hv2']!.ovsdbRemote);
      console.log(i, JSON.stringify(n.tunnels), JSON.stringify(n.interfaces.filter((x) => x.type === 'geneve').map((x) => [x.name, x.ofport, x.error, x.options])));
    }
  } finally { await lab.down(); await rm(root, { recursive: true, force: true }); }
});
