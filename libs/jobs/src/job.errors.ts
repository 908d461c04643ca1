/** A reboot of this node is already queued or running; carries that job's id. */
export class RebootAlreadyRunningError extends Error {
  override readonly name = 'RebootAlreadyRunningError';
  constructor(readonly jobId: string) {
    super('A reboot of this node is already running');
  }
}
