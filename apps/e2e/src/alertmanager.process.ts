import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@oshift/testing';

/** A silence as Alertmanager's `GET /api/v2/silences` lists it. */
export interface ListedSilence {
  id: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  createdBy: string;
  comment: string;
  startsAt: string;
  endsAt: string;
  status: { state: 'active' | 'pending' | 'expired' };
}

/** Routes every alert nowhere: the tests only use the silences API. */
const CONFIG = `route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n`;

/** Debian's Alertmanager (`prometheus-alertmanager`), on a free loopback port with its own storage, no cluster. */
export class AlertmanagerProcess {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(binary = '/usr/bin/prometheus-alertmanager'): Promise<AlertmanagerProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'alertmanager-'));
    writeFileSync(join(dir, 'alertmanager.yml'), CONFIG);
    const port = await freePort();
    const child = spawn(
      binary,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${dir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    const alertmanager = new AlertmanagerProcess(`http://127.0.0.1:${port}`, child, dir);
    const until = Date.now() + 30000;
    for (;;) {
      const ready = await fetch(`${alertmanager.url}/-/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return alertmanager;
      if (Date.now() > until || child.exitCode !== null) {
        await alertmanager.stop();
        throw new Error('Alertmanager did not start');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Every silence Alertmanager holds, expired ones included. */
  async silences(): Promise<ListedSilence[]> {
    const response = await fetch(`${this.url}/api/v2/silences`);
    if (!response.ok) throw new Error(`GET silences answered ${response.status}`);
    return (await response.json()) as ListedSilence[];
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
