import { PassThrough } from 'node:stream';
import { TerminalOutput } from './terminal-output';

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
});
