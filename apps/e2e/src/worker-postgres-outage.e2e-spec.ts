import { TcpProxy, testServices } from '@oshift/testing';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

/** Postgres goes away for a few seconds under a running reboot: the worker retries and the job ends right. */
describe('a worker whose Postgres is briefly unreachable', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let proxy: TcpProxy;

  beforeAll(async () => {
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 4000 }, workers: 0 });
    operator = await system.user(['reboot']);
    proxy = await TcpProxy.forUrl(testServices().databaseUrl);
    await system.startWorker({ DATABASE_URL: proxy.url(testServices().databaseUrl), POLL_INTERVAL_MS: '250' });
  }, 120000);

  afterAll(async () => {
    await system?.stop();
    await proxy?.close();
  });

  it('keeps the job going through the outage: it ends Done, one reboot, output only grew', async () => {
    const jobId = await startReboot(system, operator, 'master-0.openstacklocal');
    await followJob(system, operator, jobId, { until: (output) => output.includes('REBOOT') });
    proxy.pause('refuse');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    proxy.resume();

    const job = await followJob(system, operator, jobId, { timeoutMs: 90000 });
    const lines = job.output.split('\n');
    expect(lines.slice(-2)).toEqual(['master-0.openstacklocal ACTIVE', 'Done']);
    expect(lines.slice(0, -2).every((line) => line === 'master-0.openstacklocal REBOOT')).toBe(true);
    expect(job.errors).toBe('');
    expect(system.simulator.rebootActions('master-0.openstacklocal')).toBe(1);
  });
});
