/** A PCI function address as the kernel names it in sysfs: domain:bus:device.function, lower-case hex. */
export const PCI_ADDRESS = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$/;

/** A PCI address as given (any hex case, e.g. from a CNI device id) in the kernel's spelling, or undefined. */
export function pciAddress(text: string): string | undefined {
  const lower = text.toLowerCase();
  return PCI_ADDRESS.test(lower) ? lower : undefined;
}
