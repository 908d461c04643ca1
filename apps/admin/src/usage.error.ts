/** The command line is malformed: the CLI prints the message (one line) and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(problem: string, usage?: string) {
    super(usage ? `${problem}; usage: admin ${usage}` : `${problem}; see: admin help`);
  }
}
