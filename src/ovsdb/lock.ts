import { EventEmitter } from 'node:events';
import { OvsdbCancelledError } from './errors.ts';

export interface LockEvents {
  locked: [];
  stolen: [];
}

/**
 * An OVSDB lock held by this client's session. The client re-requests it
 * after every reconnect; `locked` fires each time it is (re)acquired,
 * `stolen` when another client steals it.
 */
export class OvsdbLock extends EventEmitter<LockEvents> {
  readonly name: string;
  readonly steal: boolean;
  /** True while this session owns the lock. */
  locked = false;
  released = false;
  private readonly onUnlock: (lock: OvsdbLock) => Promise<void>;

  constructor(name: string, steal: boolean, onUnlock: (lock: OvsdbLock) => Promise<void>) {
    super();
    this.name = name;
    this.steal = steal;
    this.onUnlock = onUnlock;
  }

  /** Resolves when the lock is held (at once if it already is). */
  acquired(opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.locked) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.off('locked', onLocked);
        reject(new OvsdbCancelledError(`wait for lock '${this.name}' cancelled`, this.name));
      };
      const onLocked = () => {
        opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.once('locked', onLocked);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Releases the lock (and stops re-acquiring it after reconnects). */
  unlock(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    this.locked = false;
    return this.onUnlock(this);
  }

  /** @internal */
  setLocked(value: boolean): void {
    if (this.released) return;
    const was = this.locked;
    this.locked = value;
    if (value && !was) this.emit('locked');
    if (!value && was) this.emit('stolen');
  }
}
