import { z } from 'zod';
import type { SimKnobs } from './sim.types';

/** Knob values when nothing is said. */
export const DEFAULT_KNOBS: Readonly<SimKnobs> = Object.freeze({
  rebootDurationMs: 3000,
  rebootHangs: false,
  rebootEndsIn: 'ACTIVE',
  latencyMs: 0,
  errorRate: 0,
  dropRate: 0,
  failNextRequests: 0,
  tokenTtlSeconds: 3600,
  softEscalatesToHardAfterMs: null,
  pageSizeMax: 1000,
  powerActionDurationMs: 1000,
  snapshotDurationMs: 5000,
  actionDelayMs: 0,
  nextActionFaults: [],
  nodeReadyDelayMs: 0,
  kubeUnreachable: false,
  podTerminationMs: 1000,
});

const share = z.number().min(0).max(1);
const millis = z.number().int().min(0);

/** Validates a partial knob update (admin API body, `setKnobs`); unknown keys are refused. */
export const knobsPatchSchema = z.strictObject({
  rebootDurationMs: millis.optional(),
  rebootHangs: z.boolean().optional(),
  rebootEndsIn: z.enum(['ACTIVE', 'ERROR', 'SHUTOFF']).optional(),
  latencyMs: millis.optional(),
  errorRate: share.optional(),
  dropRate: share.optional(),
  failNextRequests: z.number().int().min(0).optional(),
  tokenTtlSeconds: z.number().positive().optional(),
  softEscalatesToHardAfterMs: millis.nullable().optional(),
  pageSizeMax: z.number().int().min(1).optional(),
  powerActionDurationMs: millis.optional(),
  snapshotDurationMs: millis.optional(),
  actionDelayMs: millis.optional(),
  nextActionFaults: z
    .array(
      z.strictObject({
        status: z.number().int().min(500).max(599),
        acted: z.boolean(),
        body: z.enum(['nova', 'html', 'empty']),
      }),
    )
    .max(100)
    .optional(),
  nodeReadyDelayMs: millis.optional(),
  kubeUnreachable: z.boolean().optional(),
  podTerminationMs: millis.optional(),
});

/** Knobs that make sense per server; the others (token TTL, page size) are global only. */
export const PER_SERVER_KNOBS = [
  'rebootDurationMs',
  'rebootHangs',
  'rebootEndsIn',
  'latencyMs',
  'errorRate',
  'dropRate',
  'failNextRequests',
  'softEscalatesToHardAfterMs',
  'powerActionDurationMs',
  'snapshotDurationMs',
  'actionDelayMs',
  'nextActionFaults',
  'nodeReadyDelayMs',
] as const satisfies readonly (keyof SimKnobs)[];

/** Checks a partial knob update; throws a one-line Error naming each bad field. */
export function parseKnobsPatch(input: unknown): Partial<SimKnobs> {
  const result = knobsPatchSchema.safeParse(input ?? {});
  if (result.success) {
    return Object.fromEntries(Object.entries(result.data).filter(([, v]) => v !== undefined)) as Partial<SimKnobs>;
  }
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'knobs'}: ${issue.message}`);
  throw new KnobsError(`invalid knobs: ${problems.join('; ')}`);
}

/** A knob update was refused. */
export class KnobsError extends Error {
  override readonly name = 'KnobsError';
}
