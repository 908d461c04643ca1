import type { SystemUnderTest, TestUser } from './system-under-test';

export interface JobView {
  output: string;
  errors: string;
}

const ended = (output: string) => /(^|\n)(Done|Fail)$/.test(output);

/**
 * Polls a job until its output ends `Done` or `Fail` (or satisfies `until`), checking on the way that
 * the output only grows.
 */
export async function followJob(
  system: SystemUnderTest,
  user: TestUser,
  jobId: string,
  { until = ended, timeoutMs = 60000 }: { until?: (output: string) => boolean; timeoutMs?: number } = {},
): Promise<JobView> {
  const path = `/api/openshift/${system.clusterId}/job/${jobId}`;
  const deadline = Date.now() + timeoutMs;
  let previous = '';
  for (;;) {
    const response = await system.request('GET', path, { user });
    if (response.status !== 200) throw new Error(`job poll answered ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as JobView;
    if (!body.output.startsWith(previous)) throw new Error(`output shrank: ${JSON.stringify([previous, body.output])}`);
    previous = body.output;
    if (until(body.output)) return body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not end in time: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts a reboot and returns its job id (fails the test on anything but 202). */
export async function startReboot(system: SystemUnderTest, user: TestUser, target: string): Promise<string> {
  const response = await system.request('POST', `/api/openshift/${system.clusterId}/reboot`, {
    user,
    form: { target },
  });
  const body = await response.text();
  if (response.status !== 202) throw new Error(`reboot of ${target} answered ${response.status}: ${body}`);
  return (JSON.parse(body) as { job_id: string }).job_id;
}
