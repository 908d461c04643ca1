import type { Readable, Writable } from 'node:stream';
import { CommandError } from './command.error';

/** Standard input as the CLI sees it: a pipe, a file, or a terminal that can turn echo off. */
export type SecretSource = Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

const MAX_LINE_BYTES = 64 * 1024;

/**
 * Reads passwords and secrets from standard input, never from the command line (where they would
 * land in shell history and the process table): piped, the first line; on a terminal, a prompt
 * on stderr with echo off.
 */
export class SecretInput {
  constructor(
    private readonly stdin: SecretSource,
    private readonly stderr: Writable,
  ) {}

  /** The secret, non-empty. On a terminal, `confirm` asks twice and insists the entries match. */
  async read(label: string, options: { confirm?: boolean } = {}): Promise<string> {
    if (this.stdin.isTTY && this.stdin.setRawMode) {
      const first = await this.prompt(`${label}: `);
      if (!first) throw new CommandError(`empty ${label.toLowerCase()}`);
      if (options.confirm && (await this.prompt(`Repeat ${label.toLowerCase()}: `)) !== first) {
        throw new CommandError(`the two ${label.toLowerCase()} entries differ`);
      }
      return first;
    }
    const line = await this.firstLine();
    if (!line)
      throw new CommandError(`no ${label.toLowerCase()} on stdin: pipe it as the first line, or run on a terminal`);
    return line;
  }

  private async firstLine(): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of this.stdin) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        const end = buffer.indexOf(0x0a);
        chunks.push(end >= 0 ? buffer.subarray(0, end) : buffer);
        size += buffer.length;
        if (end >= 0) break;
        if (size > MAX_LINE_BYTES) throw new CommandError('the first line of stdin is too long');
      }
    } finally {
      // Nothing else is read from stdin; an open pipe must not keep the process alive.
      this.stdin.destroy();
    }
    return Buffer.concat(chunks).toString('utf8').replace(/\r$/, '');
  }

  private prompt(question: string): Promise<string> {
    const stdin = this.stdin;
    this.stderr.write(question);
    stdin.setRawMode!(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    return new Promise((resolve, reject) => {
      let value = '';
      const finish = () => {
        stdin.off('data', onData);
        stdin.setRawMode!(false);
        stdin.pause();
        this.stderr.write('\n');
      };
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n' || char === '\u0004') {
            finish();
            return resolve(value);
          }
          if (char === '\u0003') {
            finish();
            return reject(new CommandError('interrupted'));
          }
          if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
          else if (char === '\u0015') value = '';
          else if (char >= ' ') value += char;
        }
      };
      stdin.on('data', onData);
    });
  }
}
