/**
 * Byte-wise comparison of the UTF-8 encodings, like C's strcmp, which is
 * what OVN's sset_sort uses. JS `<` compares UTF-16 code units, which
 * differs from strcmp for characters outside the BMP.
 */
export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// The token-set rule lives with the key parsers in src/config.
export { ovnTokenSet } from '../config/tokens.ts';
