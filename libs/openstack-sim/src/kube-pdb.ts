// PodDisruptionBudgets of a simulated cluster: label selectors and the budget arithmetic of Kubernetes'
// disruption controller (pkg/controller/disruption), which the Eviction API then enforces.

/** A `metav1.LabelSelector`. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** A policy/v1 PodDisruptionBudget. */
export interface KubePdb {
  uid: string;
  namespace: string;
  name: string;
  createdAt: number;
  selector: LabelSelector;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
}

/** What the disruption controller computes for a budget (its `status`). */
export interface PdbBudget {
  expectedPods: number;
  desiredHealthy: number;
  currentHealthy: number;
  disruptionsAllowed: number;
}

/** Whether `labels` match `selector` (an empty selector matches every pod, as in policy/v1). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    if (operator === 'In' && !(has && values.includes(labels[key]))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[key])) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/**
 * The budget of `pdb`: `expected` is the number of pods its controllers want (their replicas; the number of
 * matching pods for an integer `minAvailable`), `healthy` the matching pods that are Ready and not terminating.
 */
export function pdbBudget(pdb: KubePdb, expected: number, matching: number, healthy: number): PdbBudget {
  let expectedPods = expected;
  let desiredHealthy: number;
  if (pdb.maxUnavailable !== undefined) {
    desiredHealthy = Math.max(0, expected - scaled(pdb.maxUnavailable, expected));
  } else if (typeof pdb.minAvailable === 'number') {
    expectedPods = matching;
    desiredHealthy = pdb.minAvailable;
  } else {
    desiredHealthy = scaled(pdb.minAvailable ?? 1, expected);
  }
  return {
    expectedPods,
    desiredHealthy,
    currentHealthy: healthy,
    disruptionsAllowed: Math.max(0, healthy - desiredHealthy),
  };
}

/** An int-or-percent against `total`, percentages rounded up (intstr.GetScaledValueFromIntOrPercent). */
function scaled(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  return Math.ceil((Number(value.slice(0, -1)) * total) / 100);
}

/** Checks an int-or-percent field of a PDB; returns an error message or null. */
export function intOrPercentProblem(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 0 ? null : 'must be greater than or equal to 0';
  if (typeof value === 'string' && /^\d+%$/.test(value))
    return Number(value.slice(0, -1)) <= 100 ? null : 'must not be greater than 100%';
  return "a valid percent string must be a numeric string followed by an ending '%'";
}
