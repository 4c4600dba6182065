import { readdirSync, readFileSync, readlinkSync, realpathSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { SriovError } from './errors.ts';

/**
 * Read-only view of a sysfs tree under `root` (`/sys` on a node, a fixture
 * in tests). Synchronous on purpose: sysfs reads are memory-backed and the
 * agent resolves a representor per OVSDB event on its hot path.
 */
export class Sysfs {
  /**
   * Memo for lookups that otherwise scan every netdev or virtfn link of a PF
   * (hundreds with many VFs). Entries are re-validated on every hit, so a
   * changed tree is noticed; see resolve.ts.
   */
  readonly memo = new Map<string, unknown>();

  constructor(readonly root: string = '/sys') {}

  /** The link's own target text (no resolution), or undefined when it is not a link. */
  link(abs: string): string | undefined {
    try {
      return readlinkSync(abs);
    } catch {
      return undefined;
    }
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  /**
   * Attribute text, trimmed. Undefined when absent, and also when the kernel
   * refuses to read it (phys_port_name/phys_switch_id give EOPNOTSUPP for a
   * netdev that is not an eswitch port): both mean "no value".
   */
  attr(abs: string): string | undefined {
    try {
      return readFileSync(abs, 'utf8').trim();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EOPNOTSUPP' || code === 'EINVAL' || code === 'ENODEV' || code === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  exists(abs: string): boolean {
    try {
      lstatSync(abs);
      return true;
    } catch {
      return false;
    }
  }

  isLink(abs: string): boolean {
    try {
      return lstatSync(abs).isSymbolicLink();
    } catch {
      return false;
    }
  }

  /**
   * Follows links (class/net and bus/pci/devices point into devices/). A link
   * that exists but leads nowhere is a broken tree, reported as such.
   */
  real(abs: string, input: string): string {
    try {
      // The native (libc) variant: the JS one lstat()s every path component.
      return realpathSync.native(abs);
    } catch (err) {
      if (this.isLink(abs)) {
        let target = '?';
        try {
          target = readlinkSync(abs);
        } catch {
          // keep '?'
        }
        throw new SriovError('sriov-broken-link', `${abs} -> ${target} is a broken link`, input, { cause: err });
      }
      throw err;
    }
  }

  list(abs: string): string[] {
    try {
      return readdirSync(abs).sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw err;
    }
  }
}
