/** How a reboot handler waits between polls, and stops waiting when its worker is stopping. */

/** The worker is stopping: the job goes back to the queue, untouched, for another worker to resume. */
export class HandBack extends Error {
  override readonly name = 'HandBack';
}

/** Waits `ms`, or rejects with {@link HandBack} as soon as `stop` aborts. */
export function sleep(ms: number, stop: AbortSignal): Promise<void> {
  if (stop.aborted) return Promise.reject(new HandBack('worker stopping'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new HandBack('worker stopping'));
    };
    stop.addEventListener('abort', onAbort, { once: true });
  });
}
