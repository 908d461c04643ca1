import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { loadWorkerConfig } from './worker.config';

const ROOT = resolve(__dirname, '../../..');
const BASE = { DATABASE_URL: 'postgres://oshift@127.0.0.1:1/oshift' };

describe('the worker’s WEBHOOK_ALLOW_CIDRS', () => {
  it('is no range by default, and each named range in canonical form', () => {
    expect(loadWorkerConfig(BASE).webhooks).toMatchObject({ allowLoopback: false, allowCidrs: [] });
    expect(
      loadWorkerConfig({ ...BASE, WEBHOOK_ALLOW_CIDRS: '10.20.0.0/16,FD00:1234::/32' }).webhooks.allowCidrs,
    ).toEqual(['10.20.0.0/16', 'fd00:1234::/32']);
  });

  it('stops the worker at start with one line naming a bad entry, before it connects to anything', async () => {
    const started = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        ['-r', '@swc-node/register', 'apps/worker/src/main.ts'],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...BASE, WEBHOOK_ALLOW_CIDRS: '10.0.0.0/8,fd00::/129' } },
        (error, stdout, stderr) => done({ status: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(started).toEqual({
      status: 78,
      stdout: '',
      stderr:
        'invalid configuration: WEBHOOK_ALLOW_CIDRS: "fd00::/129" has no valid prefix length (0 to 128 for IPv6)\n',
    });
  }, 60_000);
});

describe('the worker’s ALERTMANAGER_* settings', () => {
  it('silence nothing by default, and match the node and its instances unless the operator says otherwise', () => {
    expect(loadWorkerConfig(BASE).alertmanager).toEqual({
      url: undefined,
      tokenRef: undefined,
      timeoutMs: 5000,
      matchers: [
        { name: 'node', value: '{node}', isRegex: false, isEqual: true },
        { name: 'instance', value: '{node}(:.*)?', isRegex: true, isEqual: true },
      ],
    });
    const set = loadWorkerConfig({
      ...BASE,
      ALERTMANAGER_URL: 'https://alertmanager.example.test/',
      ALERTMANAGER_TOKEN_REF: 'file:/run/secrets/alertmanager-token',
      ALERTMANAGER_SILENCE_MATCHERS: 'hostname="{node}"',
    }).alertmanager;
    expect(set).toMatchObject({
      url: 'https://alertmanager.example.test',
      tokenRef: 'file:/run/secrets/alertmanager-token',
      matchers: [{ name: 'hostname', value: '{node}', isRegex: false, isEqual: true }],
    });
  });

  it('refuse a token given in clear and matchers Alertmanager would not take', () => {
    expect(() => loadWorkerConfig({ ...BASE, ALERTMANAGER_TOKEN_REF: 's3cr3t-token' })).toThrow(
      'ALERTMANAGER_TOKEN_REF: must be env:NAME or file:PATH',
    );
    expect(() => loadWorkerConfig({ ...BASE, ALERTMANAGER_SILENCE_MATCHERS: 'node={node}' })).toThrow(
      'ALERTMANAGER_SILENCE_MATCHERS: not a matcher at character 1',
    );
  });
});
