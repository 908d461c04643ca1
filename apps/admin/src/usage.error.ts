/** The command line is malformed: the CLI prints the message (one line) and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  /** `command` is the command's path (`user add`), for the pointer to its help. */
  constructor(problem: string, command?: string) {
    super(`${problem}; see: admin ${command ? `${command} ` : ''}--help`);
  }
}
