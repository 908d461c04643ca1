import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import { currentLogContext } from './log-context';
import { NestPinoLogger } from './nest-pino.logger';
import { REDACTED, redactionPaths } from './redaction';

/** The levels LOG_LEVEL accepts, most severe first. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface ProcessLoggerOptions {
  /** Name of the process (`gateway`, `worker`), written on every line as `service`. */
  service: string;
  level: LogLevel;
  /** Where lines go; standard output unless given (tests pass a stream). */
  destination?: DestinationStream;
  /** The current trace's `trace_id` and `span_id`, when tracing is on (see @oshift/telemetry's `traceFields`). */
  traceFields?: () => Record<string, string>;
}

/**
 * The structured logger of one process: JSON lines on standard output through pino, one object per line
 * (`level` as a name, ISO `time`, `service`, `pid`, `msg`, then fields), secrets redacted by key, and the
 * fields of the current {@link withLogContext} (e.g. `jobId`, `requestId`) added to every line.
 */
export class ProcessLogger {
  readonly pino: Logger;
  private readonly lifecycle: Logger;

  constructor(options: ProcessLoggerOptions) {
    const traceFields = options.traceFields;
    this.pino = pino(
      {
        level: options.level,
        base: { service: options.service, pid: process.pid },
        messageKey: 'msg',
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: redactionPaths(), censor: REDACTED },
        mixin: traceFields ? () => ({ ...traceFields(), ...currentLogContext() }) : () => currentLogContext(),
      },
      options.destination ?? pino.destination({ dest: 1, sync: true }),
    );
    // Supervisors, the demo and the tests wait for lifecycle lines: they are written whatever LOG_LEVEL says.
    this.lifecycle = this.pino.child({}, { level: 'info' });
  }

  /** A lifecycle line (`listening`, `consuming reboot jobs`, …), written at `info` even when LOG_LEVEL is higher. */
  announce(context: string, msg: string, fields: Record<string, unknown> = {}): void {
    this.lifecycle.info({ context, ...fields }, msg);
  }

  /** A pino child whose lines carry `context`. */
  child(context: string): Logger {
    return this.pino.child({ context });
  }

  /** This logger behind Nest's `LoggerService`, for `NestFactory.create(…, { logger })`. */
  forNest(): LoggerService {
    return new NestPinoLogger(this.pino);
  }
}
