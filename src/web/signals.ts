/** Resolves with the first of `signals` delivered to this process; the handlers are removed again. */
export function waitForSignal(signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): { promise: Promise<NodeJS.Signals>; cancel(): void } {
  let cancel = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    const handler = (sig: NodeJS.Signals) => {
      cancel();
      resolve(sig);
    };
    for (const s of signals) process.on(s, handler);
    cancel = () => {
      for (const s of signals) process.off(s, handler);
    };
  });
  return { promise, cancel };
}
