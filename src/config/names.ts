/** Linux netdev names: at most IFNAMSIZ - 1 = 15 bytes. */
export const MAX_IFNAME_BYTES = 15;

/**
 * The bridge mvtep makes for a PF when the spec names none: `br<pf>`, and
 * when that exceeds 15 bytes, `br` + the PF name's last 13 bytes (the tail,
 * e.g. "f0np0", is what tells PFs apart). The underlay creates it, the node
 * spec validates it and the dashboard shows it: all through this one rule.
 */
export function defaultBridgeName(pf: string): string {
  const name = `br${pf}`;
  if (Buffer.byteLength(name) <= MAX_IFNAME_BYTES) return name;
  const tail = Buffer.from(pf);
  return `br${tail.subarray(tail.length - (MAX_IFNAME_BYTES - 2)).toString()}`;
}
