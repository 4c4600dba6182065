// Public API of src/sriov: sysfs discovery (root injectable) and the fixture builder.
export * from './errors.ts';
export { Sysfs } from './sysfs.ts';
export * from './resolve.ts';
export * from './pci.ts';
export * from './discover.ts';
export * from './fixture.ts';
