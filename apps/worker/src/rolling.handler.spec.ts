import {
  DEFAULT_REBOOT_POLICY,
  type JobLease,
  parseRebootPolicy,
  type RebootPolicy,
  type RollingStep,
  windowTime,
} from '@oshift/jobs';
import { jobRow } from './reboot-world.fixture';
import { RollingHandler } from './rolling.handler';

const MINUTE = 60_000;
const STEP_DEADLINE_MS = 10 * MINUTE;
const WORKERS = ['worker-0', 'worker-1', 'worker-2'];
/** A time of day as a window writes it, in UTC. */
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/**
 * A rolling reboot of workers against an in-memory cluster: its steps (each a reboot job), its output and end,
 * the nodes the listing shows. Each `step()` is one queue delivery.
 */
function world(options: { nodes?: string[]; deadlineInMs?: number; rollingPlan?: string[] } = {}) {
  let nodes = options.nodes ?? WORKERS;
  let policy: RebootPolicy = DEFAULT_REBOOT_POLICY;
  const paused: { reason: string; until: number }[] = [];
  const steps: (RollingStep & { deadlineAt: Date })[] = [];
  const lines: string[] = [];
  const ended: { state: string; errors: string }[] = [];
  const job = jobRow({
    id: 'rolling-1',
    kind: 'rolling',
    target: 'rolling:worker',
    rollingRole: 'worker',
    state: 'running',
    rollingPlan: options.rollingPlan ?? null,
    deadlineAt: new Date(Date.now() + (options.deadlineInMs ?? 3 * STEP_DEADLINE_MS)),
  });
  const lease: JobLease = { jobId: job.id, owner: 'w1', ttlMs: 30000 };
  const handler = new RollingHandler(
    {
      steps: async () => steps.map((step) => ({ ...step })),
      mirror: async () => [],
      fixPlan: async (_lease, plan) => (job.rollingPlan ??= [...plan]),
      skip: async (_lease, node) => {
        if (job.rollingSkipped?.includes(node)) return null;
        job.rollingSkipped = [...(job.rollingSkipped ?? []), node];
        const text = `Skipped: ${node} is no longer in the cluster`;
        lines.push(text);
        return { n: lines.length, time: new Date().toISOString(), text };
      },
      pause: async (_lease, reason, until) => {
        if (paused.at(-1)?.reason === reason) return null;
        paused.push({ reason, until });
        lines.push(`Waiting: ${reason}`);
        return { n: lines.length, time: new Date().toISOString(), text: `Waiting: ${reason}` };
      },
      startStep: async (_lease, _parent, step) => {
        steps.push({ ...step, state: 'queued', errors: '', admitted: false });
        return { id: step.id };
      },
    },
    { cancel: async () => null },
    {
      append: async (_lease, text) => void lines.push(text),
      end: async (_lease, state, errors = '') => void ended.push({ state, errors }),
    },
    { listNodes: async () => nodes.map((nodename) => ({ nodename, serverId: nodename, status: 'ACTIVE' })) as never },
    { policy: async () => policy },
    { add: async () => undefined },
    { worker: { stepDeadlineMs: STEP_DEADLINE_MS } },
  );
  return {
    job,
    steps,
    lines,
    ended,
    step: () => handler.step(job, lease),
    /** The running step ends `Done` (or as given). */
    finishStep: (state: 'done' | 'failed' = 'done', errors = '') => Object.assign(steps.at(-1)!, { state, errors }),
    setNodes: (names: string[]) => (nodes = names),
    setPolicy: (given: RebootPolicy) => (policy = given),
    paused,
  };
}

describe('RollingHandler', () => {
  it('reboots every node of the plan, one step at a time, and ends Done', async () => {
    const w = world();
    for (const node of WORKERS) {
      expect(await w.step()).toBe('later');
      expect(w.steps.at(-1)?.target).toBe(node);
      w.finishStep();
    }
    expect(await w.step()).toBe('ended');
    expect(w.ended).toEqual([{ state: 'done', errors: '' }]);
  });

  it('keeps the plan fixed at its first step: a node missing from the listing later is skipped, said and named', async () => {
    const w = world();
    await w.step();
    expect(w.job.rollingPlan).toEqual(WORKERS);
    w.finishStep();
    // worker-1 is gone from the listing for a moment: the plan still holds it, the output says it was skipped.
    w.setNodes(['worker-0', 'worker-2']);
    await w.step();
    expect(w.steps.map((step) => step.target)).toEqual(['worker-0', 'worker-2']);
    expect(w.lines).toEqual(['Skipped: worker-1 is no longer in the cluster']);
    w.finishStep();
    w.setNodes(WORKERS);
    expect(await w.step()).toBe('ended');
    expect(w.ended).toEqual([{ state: 'failed', errors: 'not rebooted: worker-1 (no longer in the cluster)' }]);
  });

  it('ends Fail at its own deadline, naming the nodes it did not reboot, and starts nothing more', async () => {
    const w = world({ deadlineInMs: 2 * STEP_DEADLINE_MS });
    await w.step();
    w.finishStep();
    w.job.deadlineAt = new Date(Date.now() - 1000);
    expect(await w.step()).toBe('ended');
    expect(w.steps).toHaveLength(1);
    expect(w.ended).toEqual([{ state: 'failed', errors: 'Deadline passed: not rebooted: worker-1, worker-2' }]);
  });

  it('gives each step what is left of the rolling reboot’s deadline, never more than one reboot’s', async () => {
    const w = world({ deadlineInMs: STEP_DEADLINE_MS + MINUTE });
    await w.step();
    const first = w.steps[0]!.deadlineAt.getTime() - Date.now();
    expect(first).toBeGreaterThan(STEP_DEADLINE_MS - 1000);
    expect(first).toBeLessThanOrEqual(STEP_DEADLINE_MS);
    w.finishStep();
    w.job.deadlineAt = new Date(Date.now() + 3 * MINUTE);
    await w.step();
    expect(w.steps[1]!.deadlineAt).toEqual(w.job.deadlineAt);
  });

  it('pauses between steps while its maintenance window is closed, once, and goes on when one is open', async () => {
    const now = Date.now();
    // A daily window that opened an hour ago, and one that opens in three hours (UTC, to the minute).
    const open = parseRebootPolicy({ windows: [`daily ${hhmm(now - 3600_000)}-${hhmm(now + 3600_000)} UTC`] });
    const opensAt = Math.ceil((now + 3 * 3600_000) / MINUTE) * MINUTE;
    const closed = parseRebootPolicy({ windows: [`daily ${hhmm(opensAt)}-${hhmm(opensAt + 3600_000)} UTC`] });
    const w = world();
    w.setPolicy(open);
    expect(await w.step()).toBe('later');
    w.finishStep();
    w.setPolicy(closed);
    expect(await w.step()).toEqual({ windowOpens: opensAt });
    expect(await w.step()).toEqual({ windowOpens: opensAt });
    expect(w.steps.map((step) => step.target)).toEqual(['worker-0']);
    expect(w.lines).toEqual([`Waiting: outside the maintenance window; next opens ${windowTime(opensAt)}`]);
    w.setPolicy(open);
    expect(await w.step()).toBe('later');
    expect(w.steps.map((step) => step.target)).toEqual(['worker-0', 'worker-1']);
  });

  it('does not pause when the customer overrode the windows', async () => {
    const w = world();
    w.job.windowOverrideBy = 'alice';
    const later = Date.now() + 3 * 3600_000;
    w.setPolicy(parseRebootPolicy({ windows: [`daily ${hhmm(later)}-${hhmm(later + 3600_000)} UTC`] }));
    expect(await w.step()).toBe('later');
    expect(w.steps.map((step) => step.target)).toEqual(['worker-0']);
    expect(w.paused).toEqual([]);
  });
});
