import type { Writable } from 'node:stream';
import { Document, visit } from 'yaml';

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
  scheduled: 'dim',
  ERROR: 'red',
  SHUTOFF: 'red',
  Fail: 'red',
  failed: 'red',
};

/** C0 and C1 control characters and DEL: ESC, BEL and CSI (U+009B) start the sequences a terminal obeys. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
/** The same, less the JSON whitespace (tab, line feed, carriage return) that may separate a JSON answer's tokens. */
const JSON_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;

/** Text made safe for a terminal: every control character (escape sequences included) becomes `?`. */
export const controlFree = (text: string): string => text.replace(CONTROL, '?');

/** A cell: text from the API made safe for a terminal, `-` when there is none. */
const printable = (value: unknown): string =>
  value === null || value === undefined || value === '' ? '-' : controlFree(String(value));

/**
 * JSON made safe for a terminal without changing what it says: each control character is written as its `\u`
 * escape. Inside a JSON string that is the same character; JSON.stringify (ours or the API's) escapes only
 * U+0000–U+001F, so DEL and the C1 controls (CSI among them) would otherwise reach the terminal as they are.
 */
export const terminalSafeJson = (text: string): string =>
  text.replace(JSON_CONTROL, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Characters a YAML emitter may leave as they are but a terminal must not get: DEL, C1 controls, U+2028/9. */
const YAML_UNSAFE = /[\x7f-\x9f\u2028\u2029]/g;
/** Characters that make a YAML string be written double-quoted, where each can be an escape. */
const NEEDS_QUOTES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/;

/**
 * A JSON value as a YAML document, safe for a terminal without changing what it says. It is written for YAML 1.1
 * readers as well as 1.2 ones (`yes`, `on`, `0123` quoted, as 1.1 would read them as other types). A string
 * holding a control character is written double-quoted, where the emitter escapes C0 controls (`\e`); DEL, C1
 * controls and the Unicode line separators, which it leaves as they are, become `\x`/`\u` escapes there.
 */
export function terminalSafeYaml(value: unknown): string {
  const document = new Document(value, { version: '1.1' });
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && NEEDS_QUOTES.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return document
    .toString({ lineWidth: 0 })
    .replace(YAML_UNSAFE, (character) =>
      character.charCodeAt(0) > 0xff
        ? `\\u${character.charCodeAt(0).toString(16)}`
        : `\\x${character.charCodeAt(0).toString(16)}`,
    );
}

/** What the CLI writes for people: aligned columns, colour only on a terminal and never with `NO_COLOR`. */
export class TerminalOutput {
  constructor(
    private readonly stream: Writable,
    private readonly colour: boolean,
  ) {}

  /** One line of text, its control characters (escape sequences from the API included) shown as `?`. */
  line(text = ''): void {
    this.write(controlFree(text));
  }

  /** JSON for scripts, as it came but for control characters, which are written as `\u` escapes. */
  json(text: string): void {
    this.write(terminalSafeJson(text));
  }

  private yamlDocuments = 0;

  /** A value as a YAML document for scripts; from the second on, each opens with `---` (one YAML stream). */
  yaml(value: unknown): void {
    const text = terminalSafeYaml(value).replace(/\n$/, '');
    this.write(this.yamlDocuments++ === 0 ? text : `---\n${text}`);
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
    this.write(safe.slice(0, split) + this.status(safe.slice(split)));
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
    this.write(render(headers, false));
    for (const row of texts) this.write(render(row, true));
  }

  /** A line as it is: only for text made safe above (it may hold this class's own colour sequences). */
  private write(text: string): void {
    this.stream.write(`${text}\n`);
  }
}
