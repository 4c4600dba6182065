/**
 * Byte-wise comparison of the UTF-8 encodings, like C's strcmp, which is
 * what OVN's sset_sort uses. JS `<` compares UTF-16 code units, which
 * differs from strcmp for characters outside the BMP.
 */
export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * OVN's sset_from_delimited_string: split on the delimiter, drop empty
 * tokens, keep everything else verbatim (no trimming, no validation), and
 * keep only the first of duplicates. Order is first appearance.
 */
export function ovnTokenSet(text: string, delimiter = ','): string[] {
  const seen = new Set<string>();
  for (const token of text.split(delimiter)) {
    if (token !== '') seen.add(token);
  }
  return [...seen];
}
