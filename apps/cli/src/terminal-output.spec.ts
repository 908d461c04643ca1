import { PassThrough } from 'node:stream';
import { parse, parseAllDocuments } from 'yaml';
import { TerminalOutput, terminalSafeJson, terminalSafeYaml } from './terminal-output';

function capture(colour: boolean) {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { out: new TerminalOutput(stream, colour), text: () => text };
}

describe('TerminalOutput', () => {
  it('pads columns by their widest cell and colours the status column only when asked', () => {
    const plain = capture(false);
    plain.out.table(
      ['NAME', 'STATUS'],
      [
        ['worker-0', 'ACTIVE'],
        ['master-10', 'ERROR'],
      ],
      1,
    );
    expect(plain.text()).toBe('NAME       STATUS\nworker-0   ACTIVE\nmaster-10  ERROR\n');
    const coloured = capture(true);
    coloured.out.table(['NAME', 'STATUS'], [['worker-0', 'REBOOT']], 1);
    expect(coloured.text()).toBe('NAME      STATUS\nworker-0  \x1b[33mREBOOT\x1b[0m\n');
  });

  it('never passes the API’s control characters to the terminal', () => {
    const { out, text } = capture(true);
    out.jobLine('evil\x1b]0;title\x07 Done');
    out.table(['NAME'], [['a\x1b[2Jb'], [null]]);
    expect(text()).toBe('evil?]0;title? \x1b[32mDone\x1b[0m\nNAME\na?[2Jb\n-\n');
  });

  it('filters every plain line, so a dry run’s reason, a plan’s node or cancel’s errors cannot move the terminal', () => {
    const { out, text } = capture(true);
    out.line('would wait: worker-\x1b]0;pwned\x07-0 is rebooting; nothing was started');
    out.line('  worker-\x1b[2J\x9b31m-1');
    out.line('job x cancelled: Cancelled by \x1bP\x7f');
    out.line();
    expect(text()).toBe(
      'would wait: worker-?]0;pwned?-0 is rebooting; nothing was started\n  worker-?[2J?31m-1\n' +
        'job x cancelled: Cancelled by ?P?\n\n',
    );
  });

  it('writes JSON with every control character as its \\u escape: the same JSON, nothing a terminal obeys', () => {
    // JSON.stringify escapes ESC and BEL but leaves DEL and the C1 controls (CSI, U+009B) as they are.
    const answer = `${JSON.stringify({ nodename: 'worker-\x1b]0;pwned\x07\x9b31m\x7f-0', status: 'ACTIVE' }, null, 2)}\n`;
    expect(answer).toContain('\x9b');
    const { out, text } = capture(false);
    out.json(answer.trimEnd());
    expect(text()).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(JSON.parse(text())).toEqual(JSON.parse(answer));
    expect(terminalSafeJson('"\x9b"\t\r\n')).toBe('"\\u009b"\t\r\n');
  });
});

describe('terminalSafeYaml', () => {
  it('writes a JSON value as YAML that a YAML 1.1 or 1.2 reader reads back as the same value', () => {
    const value = {
      jobs: [{ job_id: 'b7Qx0WmXrJ2i5Y1nQm8k3A', state: 'done', ended_at: null, eta: '2026-12-06T12:00:00Z' }],
      // Words a YAML 1.1 reader would take for booleans, numbers or null unless quoted.
      words: ['yes', 'on', 'no', 'null', '0123', '1e3', '~', ''],
      output: 'worker-0.openstacklocal REBOOT\nworker-0.openstacklocal ACTIVE\nDone',
      max_parallel: { worker: 1 },
      open_now: false,
    };
    const text = terminalSafeYaml(value);
    expect(parse(text)).toEqual(value);
    expect(parse(text, { version: '1.1' })).toEqual(value);
    expect(text).toContain('  - job_id: b7Qx0WmXrJ2i5Y1nQm8k3A\n    state: done\n    ended_at: null\n');
  });

  it('lets no control character reach the terminal, yet reads back as the same strings', () => {
    const value = { text: 'a\x1b[31mred\x07', csi: 'b\x9b2J', del: 'c\x7f', separator: 'd\u2028e', 'k\x1by': 1 };
    const text = terminalSafeYaml(value);
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]/);
    expect(parse(text)).toEqual(value);
  });

  it('writes one document, then `---` before each next one: a YAML stream', () => {
    const { out, text } = capture(false);
    out.yaml({ n: 1, text: 'worker-0.openstacklocal REBOOT' });
    out.yaml({ state: 'done', errors: '' });
    // "n" is quoted: a YAML 1.1 reader takes a bare n for false.
    expect(text()).toBe('"n": 1\ntext: worker-0.openstacklocal REBOOT\n---\nstate: done\nerrors: ""\n');
    expect(parseAllDocuments(text()).map((document) => document.toJS())).toEqual([
      { n: 1, text: 'worker-0.openstacklocal REBOOT' },
      { state: 'done', errors: '' },
    ]);
  });
});
