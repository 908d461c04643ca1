import { newJobId } from '@oshift/jobs';
import { parse } from 'yaml';
import { oshift, settingsFor, type OshiftRun } from './oshift.runner';
import { SystemUnderTest } from './system-under-test';

/**
 * A Nova server whose name carries terminal escape sequences (OpenStack does not validate names): a window-title
 * OSC ended by BEL, a clear-screen CSI, and the one-byte C1 CSI. Its role is worker, so plans and rules name it.
 */
const EVIL = 'worker-9.\u001b]0;pwned\u0007\u001b[2J\u009b31m.openstacklocal';
/** How `oshift` shows it: each control character as `?`. */
const SHOWN = 'worker-9.?]0;pwned??[2J?31m.openstacklocal';
/** Any control character but the line feed: none may reach a terminal. */
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

/** The real `oshift` process, with a server named with escape sequences in the cluster: nothing of them is printed. */
describe('oshift and escape sequences in server names', () => {
  let system: SystemUnderTest;
  let asOperator: Record<string, string>;

  /** Runs `oshift` and checks that neither of its streams carries a control character. */
  const run = async (args: string[]): Promise<OshiftRun> => {
    const result = await oshift(args, asOperator);
    expect({ args, stdout: CONTROL.test(result.stdout), stderr: CONTROL.test(result.stderr) }).toEqual({
      args,
      stdout: false,
      stderr: false,
    });
    return result;
  };

  beforeAll(async () => {
    system = await SystemUnderTest.start({ extraServers: [EVIL] });
    asOperator = settingsFor(system, await system.user(['reboot']));
  }, 120_000);

  afterAll(async () => {
    await system?.dataSource.query(
      `UPDATE jobs SET state = 'failed', finished_at = now() WHERE cluster_id = $1 AND state IN ('queued', 'running')`,
      [system.clusterId],
    );
    await system?.stop();
  });

  it('nodes shows the name with ? for each control character; -o json keeps it, escaped', async () => {
    const table = await run(['nodes']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`\n${SHOWN}  ACTIVE\n`);
    const json = await run(['nodes', '-o', 'json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { nodename: string }[]).map((node) => node.nodename)).toContain(EVIL);
    expect(json.stdout).toContain('\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m.openstacklocal');
  });

  it('-o yaml keeps the name too, each control character an escape inside double quotes', async () => {
    const yaml = await run(['nodes', '-o', 'yaml']);
    expect(yaml.code).toBe(0);
    expect((parse(yaml.stdout) as { nodename: string }[]).map((node) => node.nodename)).toContain(EVIL);
    expect(yaml.stdout).toContain('- nodename: "worker-9.\\e]0;pwned\\a\\e[2J\\x9b31m.openstacklocal"\n');
  });

  it('rolling-reboot --dry-run lists the plan without the escape sequences', async () => {
    const plan = await run(['rolling-reboot', '--role', 'worker', '--dry-run']);
    expect(plan).toEqual({
      code: 0,
      stdout:
        'would start: 0 of at most 1 worker reboot in flight; nothing was started\n' +
        `  worker-0.openstacklocal\n  worker-1.openstacklocal\n  worker-2.openstacklocal\n  ${SHOWN}\n`,
      stderr: '',
    });
    const json = await run(['rolling-reboot', '--role', 'worker', '--dry-run', '-o', 'json']);
    expect((JSON.parse(json.stdout) as { nodes: string[] }).nodes.at(-1)).toBe(EVIL);
  });

  it('reboot --dry-run, jobs, job and cancel print the reason and output that name it, filtered', async () => {
    // The server is rebooting (a job another worker holds), so the rules make every other worker wait for it.
    await system.dataSource.query(
      `INSERT INTO jobs (id, cluster_id, target, state, requested_by, admitted_at, lease_owner, lease_until)
       VALUES ($1, $2, $3, 'running', 'e2e', now(), 'elsewhere', now() + interval '1 hour')`,
      [newJobId(), system.clusterId, EVIL],
    );
    expect(await run(['reboot', 'worker-0.openstacklocal', '--dry-run'])).toEqual({
      code: 0,
      stdout: `would wait: ${SHOWN} is rebooting; nothing was started\n`,
      stderr: '',
    });
    const json = await run(['reboot', 'worker-0.openstacklocal', '--dry-run', '-o', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ would: 'wait', reason: `${EVIL} is rebooting` });

    const jobs = await run(['jobs', '--state', 'running']);
    expect(jobs.stdout).toMatch(new RegExp(`^[\\w-]{22} +${SHOWN.replace(/[?[\]]/g, '\\$&')} +SOFT +running `, 'm'));

    const started = await run(['reboot', 'worker-0.openstacklocal']);
    const jobId = started.stdout.trim();
    expect(jobId).toMatch(/^[\w-]{22}$/);
    let output = '';
    for (let tries = 0; tries < 50 && !output.includes('Waiting'); tries += 1) {
      output = (await run(['job', jobId])).stdout;
      if (!output.includes('Waiting')) await new Promise((later) => setTimeout(later, 200));
    }
    expect(output).toContain(`${SHOWN} is rebooting`);

    const cancelled = await run(['cancel', jobId]);
    expect(cancelled).toEqual({
      code: 0,
      stdout: `job ${jobId} cancelled: Cancelled by ${asOperator.OSHIFT_USER}\n`,
      stderr: '',
    });
  });
});
