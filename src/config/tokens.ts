/**
 * OVN's sset_from_delimited_string: split on the delimiter, drop empty
 * tokens, keep everything else verbatim (no trimming, no validation), and
 * keep only the first of duplicates. Order is first appearance. The one
 * home of this rule (ovn-encap-ip, ovn-encap-type, ovn-transport-zones).
 */
export function ovnTokenSet(text: string, delimiter = ','): string[] {
  const seen = new Set<string>();
  for (const token of text.split(delimiter)) {
    if (token !== '') seen.add(token);
  }
  return [...seen];
}
