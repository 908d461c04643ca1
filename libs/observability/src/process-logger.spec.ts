import { Writable } from 'node:stream';
import { withLogContext } from './log-context';
import { ProcessLogger, type LogLevel } from './process-logger';

function capture(level: LogLevel = 'info'): { logger: ProcessLogger; lines: () => Record<string, unknown>[] } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const logger = new ProcessLogger({ service: 'test', level, destination });
  const lines = () =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}

// pino writes to a plain Writable asynchronously.
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('ProcessLogger', () => {
  it('writes one JSON object per line with level name, ISO time, service and message', async () => {
    const { logger, lines } = capture();
    logger.child('Thing').info({ count: 2 }, 'hello');
    await flush();
    expect(lines()).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        service: 'test',
        pid: process.pid,
        context: 'Thing',
        count: 2,
        msg: 'hello',
      },
    ]);
  });

  it('never writes credentials, at any of the first levels of nesting', async () => {
    const { logger, lines } = capture();
    logger.pino.info(
      {
        authorization: 'Basic dXNlcjpwdw==',
        headers: { authorization: 'Bearer abc', cookie: 'sid=1', 'x-auth-token': 'tok' },
        body: { user: { password: 'hunter2', name: 'alice' } },
        secret: 's',
        token: 't',
      },
      'request',
    );
    await flush();
    const [line] = lines();
    const text = JSON.stringify(line);
    for (const secret of ['dXNlcjpwdw==', 'Bearer abc', 'sid=1', 'tok"', 'hunter2']) expect(text).not.toContain(secret);
    expect(line).toMatchObject({
      authorization: '[redacted]',
      headers: { authorization: '[redacted]', cookie: '[redacted]', 'x-auth-token': '[redacted]' },
      body: { user: { password: '[redacted]', name: 'alice' } },
      secret: '[redacted]',
      token: '[redacted]',
    });
  });

  it('adds the fields of the current log context to every line written inside it', async () => {
    const { logger, lines } = capture();
    await withLogContext({ requestId: 'req-1', jobId: 'job-1', absent: null }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.pino.info('inside');
      withLogContext({ attempt: 2 }, () => logger.pino.info({ requestId: 'explicit' }, 'nested'));
    });
    logger.pino.info('outside');
    await flush();
    const [inside, nested, outside] = lines();
    expect(inside).toMatchObject({ requestId: 'req-1', jobId: 'job-1', msg: 'inside' });
    expect(inside).not.toHaveProperty('absent');
    expect(nested).toMatchObject({ requestId: 'explicit', jobId: 'job-1', attempt: 2 });
    expect(outside).not.toHaveProperty('requestId');
  });

  it('honours the level but always writes lifecycle lines', async () => {
    const { logger, lines } = capture('warn');
    logger.pino.info('dropped');
    logger.pino.warn('kept');
    logger.announce('Gateway', 'listening', { url: 'http://127.0.0.1:1' });
    await flush();
    expect(lines().map((line) => [line.level, line.msg])).toEqual([
      ['warn', 'kept'],
      ['info', 'listening'],
    ]);
    expect(lines()[1]).toMatchObject({ context: 'Gateway', url: 'http://127.0.0.1:1' });
  });
});

describe('NestPinoLogger', () => {
  it('maps Nest levels, contexts, object messages and error stacks onto pino lines', async () => {
    const { logger, lines } = capture('trace');
    const nest = logger.forNest();
    nest.log('Mapped {/healthz, GET} route', 'RouterExplorer');
    nest.log({ msg: 'reboot accepted', jobId: 'j1' }, 'RebootService');
    nest.warn({ message: 'slow', ms: 5 });
    nest.error({ msg: 'request failed', status: 500 }, undefined, 'HTTP');
    nest.error('boom', 'Error: boom\n    at f (file.ts:1:1)', 'ExceptionHandler');
    nest.debug?.('details', { extra: true }, 'Ctx');
    nest.verbose?.('very detailed', 'Ctx');
    nest.fatal?.(new Error('fatal one'));
    await flush();
    expect(lines().map(({ level, msg, context }) => ({ level, msg, context }))).toEqual([
      { level: 'info', msg: 'Mapped {/healthz, GET} route', context: 'RouterExplorer' },
      { level: 'info', msg: 'reboot accepted', context: 'RebootService' },
      { level: 'warn', msg: 'slow', context: undefined },
      { level: 'error', msg: 'request failed', context: 'HTTP' },
      { level: 'error', msg: 'boom', context: 'ExceptionHandler' },
      { level: 'debug', msg: 'details', context: 'Ctx' },
      { level: 'trace', msg: 'very detailed', context: 'Ctx' },
      { level: 'fatal', msg: 'fatal one', context: undefined },
    ]);
    const all = lines();
    expect(all[1]).toMatchObject({ jobId: 'j1' });
    expect(all[2]).toMatchObject({ ms: 5 });
    expect(all[3]).toMatchObject({ status: 500 });
    expect(all[4].stack).toMatch(/^Error: boom\n {4}at f/);
    expect(all[5]).toMatchObject({ extra: true });
    expect(all[7]).toMatchObject({ err: { type: 'Error', message: 'fatal one' } });
  });

  it('drops lines below the level without formatting them', async () => {
    const { logger, lines } = capture('info');
    const nest = logger.forNest();
    nest.debug?.('hidden', 'Ctx');
    nest.log('shown', 'Ctx');
    await flush();
    expect(lines().map((line) => line.msg)).toEqual(['shown']);
  });
});
