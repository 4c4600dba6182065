import { MvtepError } from '../util/errors.ts';

export interface AptSource {
  readonly uri: string;
  readonly suites: readonly string[];
  readonly components: readonly string[];
  readonly signedBy?: string;
}

/** Parses deb822 `.sources` text (the format of /etc/apt/sources.list.d/*.sources). */
export function parseDeb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
        continue;
      }
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m?.[1] && m[2] !== undefined) {
        last = m[1].toLowerCase();
        fields.set(last, m[2].trim());
      }
    }
    if (fields.get('enabled')?.toLowerCase() === 'no') continue;
    const types = (fields.get('types') ?? '').split(/\s+/);
    const uris = (fields.get('uris') ?? '').split(/\s+/).filter(Boolean);
    if (!types.includes('deb') || uris.length === 0) continue;
    const suites = (fields.get('suites') ?? '').split(/\s+/).filter(Boolean);
    const components = (fields.get('components') ?? '').split(/\s+/).filter(Boolean);
    const signedBy = fields.get('signed-by');
    for (const uri of uris) out.push({ uri, suites, components, ...(signedBy ? { signedBy } : {}) });
  }
  return out;
}

/** Parses one-line-style `sources.list` text. */
export function parseOneLineSources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line.startsWith('deb ')) continue;
    let rest = line.slice(4).trim();
    let signedBy: string | undefined;
    const opts = /^\[([^\]]*)\]\s*/.exec(rest);
    if (opts?.[1] !== undefined) {
      const sb = /signed-by=(\S+)/.exec(opts[1]);
      if (sb?.[1]) signedBy = sb[1];
      rest = rest.slice(opts[0].length);
    }
    const [uri, suite, ...components] = rest.split(/\s+/);
    if (!uri || !suite) continue;
    out.push({ uri, suites: [suite], components, ...(signedBy ? { signedBy } : {}) });
  }
  return out;
}

/**
 * Picks the machine's Debian archive mirror: a `main` source whose suites are
 * plain Debian releases (not -security, not a third-party repository).
 */
export function pickDebianMirror(sources: readonly AptSource[]): AptSource {
  const isDebianSuite = (s: string) => /^(bookworm|trixie|forky|sid|stable|testing|unstable|bullseye)(-updates)?$/.test(s);
  const found = sources.find(
    (s) => s.components.includes('main') && s.suites.some(isDebianSuite) && !/security/.test(s.uri),
  );
  if (!found) {
    throw new MvtepError('no-debian-mirror', 'no Debian archive source with component main found in the apt configuration', sources);
  }
  return found;
}
