export * from './types.ts';
export { RoutingError, type RoutingErrorCode } from './errors.ts';
export { Iproute2, describeRule, describeRoute, type Iproute2Options, type Exec } from './iproute2.ts';
export { parseRules, parseRoutes, parseLinks, parseRouteGet } from './parse.ts';
