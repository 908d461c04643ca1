/** The `oshift` exit codes (documented in `--help` and the README) and the errors that end a command with one. */
export const EXIT = {
  ok: 0,
  jobFailed: 1,
  usage: 2,
  timedOut: 3,
  refused: 4,
  unavailable: 5,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  success (the job ended Done)
  1  the job ended Fail (its errors on stderr)
  2  usage error (a bad flag, a missing setting)
  3  --timeout passed (the job goes on; its id is printed)
  4  the API refused (401, 403, 404, 409, 422, 429…: its error on stderr), or a
     --dry-run says the request would be refused
  5  the API unreachable or answering 5xx after retries`;

/** An error that ends the command with `exitCode`, its message on stderr. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
