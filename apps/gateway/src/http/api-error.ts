import { HttpException } from '@nestjs/common';

/** An HTTP error with the service's JSON body `{"error": "..."}` plus optional extra fields. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super({ error: message, ...extra }, status);
  }
}

/** The exact bytes the reference gives for an unknown node or a missing reboot role. */
export const NODE_NOT_FOUND = 'Node Not found';
/** What anything the caller may not see answers: unknown cluster, cluster not granted, unknown route. */
export const NOT_FOUND = 'Not Found';
