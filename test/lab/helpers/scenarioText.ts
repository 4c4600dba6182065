/**
 * Scenario text for lab tests that write their own scenario: the chassis
 * entries they all spell the same way, and the two nodes the trace and
 * verify lab tests share.
 */

export interface NicVfs {
  readonly totalVfs?: number;
  readonly numVfs: number;
}

/** A chassis entry: one NIC per VTEP (enp1s0f0, enp2s0f0, ...) in that order, ovn-encap-ip as listed, the PF mapping written. */
export function chassisEntry(name: string, vteps: readonly string[], vfs: NicVfs = { totalVfs: 4, numVfs: 2 }): string {
  const counts = `${vfs.totalVfs === undefined ? '' : `totalVfs: ${vfs.totalVfs}, `}numVfs: ${vfs.numVfs}`;
  return [
    `  - name: ${name}`,
    `    encapIps: [${vteps.join(', ')}]`,
    '    writePfMapping: true',
    '    nics:',
    ...vteps.map((ip, i) => `      - { pf: enp${i + 1}s0f0, vtep: ${ip}, ${counts} }`),
  ].join('\n');
}

/**
 * One switch (ls-a, 203.0.113.0/26) and two nodes: hv1 with three VTEPs
 * written in an order that is not OVN's (encap IDs go by the byte-wise
 * order: 192.0.2.100 < 192.0.2.11 < 192.0.2.2), hv2 with two. Add `pods:`.
 */
export const TWO_NODES_UNSORTED_VTEPS = `switches:
  - name: ls-a
    subnet: 203.0.113.0/26
chassis:
${chassisEntry('hv1', ['192.0.2.11', '192.0.2.100', '192.0.2.2'])}
${chassisEntry('hv2', ['198.51.100.1', '198.51.100.2'])}
`;
