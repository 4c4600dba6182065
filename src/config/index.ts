// Public API of src/config: pure parsers for the node's multi-VTEP keys.
export * from './errors.ts';
export * from './ip.ts';
export * from './tokens.ts';
export * from './names.ts';
export * from './listen.ts';
export * from './keys.ts';
export * from './encapIp.ts';
export * from './pfMapping.ts';
export * from './nodeEncap.ts';
export * from './zonesFile.ts';
export * from './compat.ts';
export * from './l3Subnets.ts';
