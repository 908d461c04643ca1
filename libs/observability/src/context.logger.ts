import { Logger } from '@nestjs/common';

/**
 * A `(msg, fields)` logger under a Nest context name, for libraries that log that way (the OpenStack
 * client's `logger` option). Lines go through the process's Nest logger, so they are structured and redacted.
 */
export class ContextLogger {
  private readonly logger: Logger;

  constructor(context: string) {
    this.logger = new Logger(context);
  }

  warn(msg: string, fields: object = {}): void {
    this.logger.warn({ ...fields, msg });
  }

  debug(msg: string, fields: object = {}): void {
    this.logger.debug({ ...fields, msg });
  }
}
