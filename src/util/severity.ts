/** How bad a finding or problem is; one scale for verify, the underlay planner and the dashboard. */
export type Severity = 'error' | 'warning' | 'info';
