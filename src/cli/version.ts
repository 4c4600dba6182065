import { readFileSync } from 'node:fs';

/** package.json's version (`mvtep --version`, the agent's mvtep_build_info); the same path from src/ and dist/. */
export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  if (pkg && typeof pkg === 'object' && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  return 'unknown';
}
