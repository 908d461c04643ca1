import type { Writable } from 'node:stream';

const COLOURS = { green: 32, yellow: 33, red: 31, dim: 2 } as const;
type Colour = keyof typeof COLOURS;

/** Nova statuses and job endings a person should notice, by colour. */
const STATUS_COLOURS: Record<string, Colour> = {
  ACTIVE: 'green',
  Done: 'green',
  done: 'green',
  REBOOT: 'yellow',
  HARD_REBOOT: 'yellow',
  running: 'yellow',
  waiting: 'yellow',
  queued: 'dim',
  ERROR: 'red',
  SHUTOFF: 'red',
  Fail: 'red',
  failed: 'red',
};

/** Text from the API made safe for a terminal: control characters (escape sequences included) become `?`. */
const printable = (value: unknown): string =>
  value === null || value === undefined || value === '' ? '-' : String(value).replace(/[\x00-\x1f\x7f-\x9f]/g, '?');

/** What the CLI writes for people: aligned columns, colour only on a terminal and never with `NO_COLOR`. */
export class TerminalOutput {
  constructor(
    private readonly stream: Writable,
    private readonly colour: boolean,
  ) {}

  line(text = ''): void {
    this.stream.write(`${text}\n`);
  }

  /** A status word in its colour (ACTIVE green, REBOOT yellow, ERROR red…). */
  status(value: unknown): string {
    const text = printable(value);
    const colour = STATUS_COLOURS[text];
    return this.colour && colour ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text;
  }

  /** One job output line: its last word is a status (`worker-0.openstacklocal REBOOT`, `Done`). */
  jobLine(text: string): void {
    const safe = printable(text);
    const split = safe.lastIndexOf(' ') + 1;
    this.line(safe.slice(0, split) + this.status(safe.slice(split)));
  }

  /** Rows under upper-case headers; `statusColumn` is coloured. Columns padded by their widest cell. */
  table(headers: string[], rows: unknown[][], statusColumn?: number): void {
    const texts = rows.map((row) => row.map(printable));
    const widths = headers.map((header, column) => Math.max(header.length, ...texts.map((row) => row[column].length)));
    const render = (cells: string[], coloured: boolean) =>
      cells
        .map((text, column) => {
          const padding = column < cells.length - 1 ? ' '.repeat(widths[column] - text.length + 2) : '';
          return (coloured && column === statusColumn ? this.status(text) : text) + padding;
        })
        .join('');
    this.line(render(headers, false));
    for (const row of texts) this.line(render(row, true));
  }
}
