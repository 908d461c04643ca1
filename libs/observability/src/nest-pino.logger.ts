import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

const STACK = /^.+\n\s+at .+/s;

/**
 * Nest's `LoggerService` over pino. Nest's `Logger` passes the context name last and, for errors, a
 * stack before it; an object message is spread into the line (its `msg` or `message` becomes the line's `msg`).
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params, true);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params, true);
  }

  private write(level: Level, message: unknown, params: unknown[], mayCarryStack = false): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    const last = rest.at(-1);
    if (typeof last === 'string' && !(mayCarryStack && rest.length === 1 && STACK.test(last))) {
      fields.context = last;
      rest.pop();
    }
    const details: unknown[] = [];
    for (const param of rest) {
      if (param === undefined) continue;
      if (mayCarryStack && typeof param === 'string' && STACK.test(param)) fields.stack = param;
      else if (isPlainObject(param)) Object.assign(fields, param);
      else details.push(param);
    }
    if (details.length > 0) fields.details = details;

    let msg: string | undefined;
    if (message instanceof Error) {
      fields.err = message;
      msg = message.message;
    } else if (isPlainObject(message)) {
      const { msg: text, message: altText, ...other } = message;
      Object.assign(fields, other);
      msg = typeof text === 'string' ? text : typeof altText === 'string' ? altText : undefined;
    } else {
      msg = String(message);
    }
    this.logger[level](fields, msg);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
