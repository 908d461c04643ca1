import { Logger } from '@nestjs/common';
import type { OrphanedJob, RebootJobPayload } from '@oshift/jobs';
import { JobReconciler, type ReconciledQueue } from './job-reconciler';

type QueueState = 'waiting' | 'failed';

/** A queue holding some job ids in a state, recording what the reconciler adds and retries. */
function setUp(orphans: OrphanedJob[], queued: Record<string, QueueState>) {
  const added: { payload: RebootJobPayload; jobId: string; delay?: number }[] = [];
  const retried: string[] = [];
  const asked: number[] = [];
  const queue: ReconciledQueue = {
    getJob: async (id) =>
      queued[id] && {
        isFailed: async () => queued[id] === 'failed',
        retry: async () => void retried.push(id),
      },
    add: async (_name, payload, options) =>
      void added.push({ payload, jobId: options.jobId, ...(options.delay ? { delay: options.delay } : {}) }),
  };
  const reconciler = new JobReconciler({ findActiveOlderThan: async (ageMs) => (asked.push(ageMs), orphans) }, queue, {
    worker: { reconcileIntervalMs: 30_000 },
  });
  return { reconciler, added, retried, asked };
}

const orphan = (id: string, requestId: string | null = `req-${id}`): OrphanedJob => ({
  id,
  clusterId: 'c1',
  requestId,
  deadlineAt: null,
});

describe('JobReconciler', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('hands back a job the queue lost, under its own id and with its request id', async () => {
    const { reconciler, added, asked } = setUp([orphan('lost'), orphan('anonymous', null)], {});
    expect(await reconciler.reconcile()).toBe(2);
    expect(asked).toEqual([30_000]);
    expect(added).toEqual([
      { payload: { jobId: 'lost', clusterId: 'c1', requestId: 'req-lost' }, jobId: 'lost' },
      { payload: { jobId: 'anonymous', clusterId: 'c1', requestId: null }, jobId: 'anonymous' },
    ]);
  });

  it('hands a lost scheduled job back delayed until its not_before, so it holds no slot before then', async () => {
    const notBefore = new Date(Date.now() + 3_600_000);
    const { reconciler, added } = setUp([{ ...orphan('later'), notBefore }], {});
    expect(await reconciler.reconcile()).toBe(1);
    expect(added).toHaveLength(1);
    expect(added[0]?.delay).toBeGreaterThan(3_590_000);
    expect(added[0]?.delay).toBeLessThanOrEqual(3_600_000);
  });

  it('retries a job whose queue message gave up, and leaves one still in the queue alone', async () => {
    const { reconciler, added, retried } = setUp([orphan('gave-up'), orphan('waiting')], {
      'gave-up': 'failed',
      waiting: 'waiting',
    });
    expect(await reconciler.reconcile()).toBe(1);
    expect(retried).toEqual(['gave-up']);
    expect(added).toEqual([]);
  });

  it('hands back nothing when Postgres owes no orphaned job', async () => {
    const { reconciler, added, retried } = setUp([], {});
    expect(await reconciler.reconcile()).toBe(0);
    expect([added, retried]).toEqual([[], []]);
  });
});
