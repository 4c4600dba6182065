import type { CheckId, Finding, Severity } from '../findings.ts';

export function finding(check: CheckId, severity: Severity, subject: string, message: string, hint: string): Finding {
  return { check, severity, subject, message, hint };
}

/** "a, b, c and 7 more" for findings that summarise many items. */
export function sample(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export function isVifInterface(iface: { type: string; externalIds: Readonly<Record<string, string>> }): boolean {
  return iface.externalIds['iface-id'] !== undefined && (iface.type === '' || iface.type === 'system' || iface.type === 'internal' || iface.type === 'dummy');
}
