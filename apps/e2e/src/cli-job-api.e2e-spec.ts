import { TcpProxy } from '@oshift/testing';
import { oshift, settingsFor } from './oshift.runner';
import { SystemUnderTest, type TestUser } from './system-under-test';

/** `oshift` on the job API: whoami, jobs, idempotent and HARD reboots, dry runs, and a stream that drops. */
describe('oshift on the job API', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let viewer: TestUser;
  let asOperator: Record<string, string>;

  const job = async (jobId: string) => {
    const response = await system.request('GET', `/api/openshift/${system.clusterId}/job/${jobId}`, { user: viewer });
    return (await response.json()) as { output: string; type: string; state: string; requested_by: string };
  };

  beforeAll(async () => {
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 1500 },
      // A status line every poll (250 ms), so a reboot writes lines steadily while its stream is cut.
      workerEnv: { OUTPUT_LINE_SECONDS: '0' },
    });
    operator = await system.user(['read', 'reboot']);
    viewer = await system.user(['read']);
    asOperator = settingsFor(system, operator);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('whoami shows the user and its roles per cluster, as a table or the API JSON', async () => {
    const table = await oshift(['whoami'], asOperator);
    expect(table).toEqual({
      code: 0,
      stdout: expect.stringMatching(
        new RegExp(
          `^user: ${operator.username}\nCLUSTER +ROLES\n${system.clusterId.replace(/\./g, '\\.')} +read,reboot\n$`,
        ),
      ),
      stderr: '',
    });
    const json = await oshift(['whoami', '-o', 'json'], settingsFor(system, viewer));
    expect(JSON.parse(json.stdout)).toEqual({
      user: viewer.username,
      clusters: [{ id: system.clusterId, roles: ['read'] }],
    });
  });

  it('--dry-run asks the API what the reboot would do and starts nothing', async () => {
    const allowed = await oshift(['reboot', 'worker-2.openstacklocal', '--dry-run', '--hard'], asOperator);
    expect(allowed).toEqual({
      code: 0,
      stdout: 'would start: 0 of at most 1 worker reboot in flight; nothing was started\n',
      stderr: '',
    });
    const json = await oshift(['reboot', 'worker-2.openstacklocal', '--dry-run', '-o', 'json'], asOperator);
    expect([json.code, JSON.parse(json.stdout)]).toEqual([
      0,
      { would: 'start', reason: '0 of at most 1 worker reboot in flight', role: 'worker' },
    ]);
    const readOnly = await oshift(['reboot', 'worker-2.openstacklocal', '--dry-run'], settingsFor(system, viewer));
    expect(readOnly).toEqual({ code: 4, stdout: '', stderr: 'Node Not found\n' });
    const unknown = await oshift(['reboot', 'worker-7.openstacklocal', '--dry-run', '-o', 'json'], asOperator);
    expect(unknown).toEqual({ code: 4, stdout: '', stderr: 'Node Not found\n' });
    expect(system.simulator.rebootActions('worker-2.openstacklocal')).toBe(0);
  });

  it('--hard asks for a HARD reboot; --wait -o json prints the ended job as the API answers it', async () => {
    const run = await oshift(['reboot', 'infra-0.openstacklocal', '--hard', '--wait', '-o', 'json'], asOperator);
    expect(run.code).toBe(0);
    const [started, ended] = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(started).toMatchObject({ state: 'started', job_id: expect.any(String) });
    expect(ended).toEqual(await job(started.job_id));
    expect(ended).toMatchObject({ type: 'HARD', state: 'done', requested_by: operator.username });
    expect(ended.output).toContain('infra-0.openstacklocal HARD_REBOOT');
  });

  it('the same --idempotency-key gives the same job and one reboot; with another node, 422 (exit 4)', async () => {
    const key = `ci-run-${Date.now()}`;
    const first = await oshift(['reboot', 'master-1.openstacklocal', '--idempotency-key', key], asOperator);
    const again = await oshift(['reboot', 'master-1.openstacklocal', '--idempotency-key', key], asOperator);
    expect(first.code).toBe(0);
    expect(again).toEqual(first);
    const other = await oshift(['reboot', 'master-2.openstacklocal', '--idempotency-key', key], asOperator);
    expect(other).toEqual({ code: 4, stdout: '', stderr: 'Idempotency-Key reused with another request\n' });
    await oshift(['job', first.stdout.trim(), '--wait'], asOperator);
    expect(system.simulator.rebootActions('master-1.openstacklocal')).toBe(1);
    expect(system.simulator.rebootActions('master-2.openstacklocal')).toBe(0);
  });

  it('jobs lists the cluster newest first, filtered by state, as a table or the API JSON', async () => {
    const table = await oshift(['jobs', '--state', 'done'], asOperator);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^JOB ID +TARGET +TYPE +STATE +CREATED +ENDED$/);
    expect(rows[0]).toMatch(/^[\w-]{22} +master-1\.openstacklocal +SOFT +done +\S+Z +\S+Z$/);
    expect(rows[1]).toMatch(/ infra-0\.openstacklocal +HARD +done /);
    const json = await oshift(['jobs', '--limit', '1', '-o', 'json'], asOperator);
    const direct = await system.request('GET', `/api/openshift/${system.clusterId}/jobs?limit=1`, { user: viewer });
    expect(json.stdout).toBe(`${await direct.text()}\n`);
    expect(JSON.parse(json.stdout).next).toEqual(expect.any(String));
    const paged = await oshift(['jobs', '--limit', '1'], asOperator);
    expect(paged.stderr).toBe(`more: oshift jobs --before ${JSON.parse(json.stdout).next}\n`);
  });

  it('--follow survives dropped connections: every line printed once, in order', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(system.baseUrl).port) });
    try {
      // The reboot lasts until the stream has been cut twice, however slowly the CLI starts or reads: one chunk may
      // bring many lines at once, so a reboot of fixed length could end before the second cut.
      system.simulator.setKnobs({ rebootHangs: true, rebootDurationMs: 1000 }, 'worker-1.openstacklocal');
      let drops = 0;
      const run = await oshift(
        ['reboot', 'worker-1.openstacklocal', '--follow'],
        settingsFor(system, operator, `http://127.0.0.1:${proxy.port}`),
        undefined,
        undefined,
        (stdout) => {
          // Cut every connection after the 3rd and the 8th line: the CLI resumes after the last line it printed.
          const lines = stdout.split('\n').length - 2;
          if ((lines >= 3 && drops === 0) || (lines >= 8 && drops === 1)) {
            drops++;
            proxy.pause('refuse');
            proxy.resume();
            if (drops === 2) system.simulator.setKnobs({ rebootHangs: false }, 'worker-1.openstacklocal');
          }
        },
      );
      expect(drops).toBe(2);
      expect(run.code).toBe(0);
      const [jobId, ...lines] = run.stdout.trimEnd().split('\n');
      expect(lines.join('\n')).toBe((await job(jobId)).output);
      expect(lines.at(-1)).toBe('Done');
      // The event stream, resumed twice after the last line printed; never a fallback to polling. Besides, one read
      // of the job at its first line (its ETA, told on stderr).
      const reads =
        proxy.clientData.match(/GET \/api\/openshift\/[^ ]+\/job\/[^ ?]+ HTTP\/1\.1\r\n(?:[^\r]+\r\n)*/gim) ?? [];
      const streams = reads.filter((request) => !/^accept: application\/json\r$/im.test(request));
      expect(reads.length - streams.length).toBe(1);
      expect(streams).toHaveLength(3);
      expect(streams.every((request) => /^accept: text\/event-stream\r$/im.test(request))).toBe(true);
      const resumedAfter = streams.map((request) => /^last-event-id: (\d+)\r$/im.exec(request)?.[1]);
      expect(resumedAfter).toEqual([undefined, expect.any(String), expect.any(String)]);
      expect(Number(resumedAfter[1])).toBeGreaterThanOrEqual(3);
      expect(Number(resumedAfter[2])).toBeGreaterThanOrEqual(8);
      expect(proxy.clientData).not.toMatch(/since=/);
    } finally {
      await proxy.close();
    }
  });
});
