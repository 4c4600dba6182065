/**
 * Resolves with the first of `signals` delivered to this process. The
 * handlers stay installed until `cancel()`, so a second Ctrl-C while the
 * caller tears down does not kill the process half-way; `onRepeat` hears it.
 */
export function waitForSignal(signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'],
  onRepeat?: (sig: NodeJS.Signals) => void): { promise: Promise<NodeJS.Signals>; cancel(): void } {
  let cancel = () => {};
  let seen = false;
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    const handler = (sig: NodeJS.Signals) => {
      if (seen) onRepeat?.(sig);
      seen = true;
      resolve(sig);
    };
    for (const s of signals) process.on(s, handler);
    cancel = () => {
      for (const s of signals) process.off(s, handler);
    };
  });
  return { promise, cancel };
}

/**
 * A daemon's foreground wait: resolves on the first SIGTERM or SIGINT, logged,
 * and removes its handlers at once, so a second signal while the caller
 * stops gets the default action (the process ends) rather than being ignored.
 */
export async function untilStopSignal(log: (level: 'info', msg: string, fields: { signal: NodeJS.Signals }) => void): Promise<void> {
  const stop = waitForSignal(['SIGTERM', 'SIGINT']);
  const signal = await stop.promise;
  stop.cancel();
  log('info', 'signal received, stopping', { signal });
}
