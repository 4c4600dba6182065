export * from './version.ts';
export * from './strings.ts';
export * from './encaps.ts';
export * from './binding.ts';
export * from './tunnels.ts';
export * from './egress.ts';
export * from './topology.ts';
export * from './interconnect.ts';
