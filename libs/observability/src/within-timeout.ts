/**
 * `work`, or a rejection after `ms` if it has not settled by then (a dependency that hangs counts as down):
 * the error `timedOut` makes, else `no answer within <ms> ms`. The one timeout helper of the code base.
 */
export function withinTimeout<T>(
  work: Promise<T>,
  ms: number,
  timedOut: () => Error = () => new Error(`no answer within ${ms} ms`),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
