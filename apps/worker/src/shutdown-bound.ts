/**
 * Bounds a graceful stop: on SIGTERM/SIGINT the worker hands running jobs back and closes; if that
 * takes longer than `graceMs` (a Nova call hanging, say) the process exits anyway. Nothing is lost:
 * a job's state is in Postgres and its queue lock lapses, so another worker resumes it.
 */
export function boundShutdown(graceMs: number): void {
  const arm = () => setTimeout(() => process.exit(1), graceMs).unref();
  process.once('SIGTERM', arm);
  process.once('SIGINT', arm);
}
