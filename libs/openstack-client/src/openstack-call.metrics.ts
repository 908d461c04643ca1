import type { MetricsRegistry } from '@oshift/observability';
import type { OpenStackCallReport } from './openstack.options';

/**
 * Registers `oshift_openstack_request_duration_seconds{operation,outcome}` (every attempt, retries included)
 * and `oshift_openstack_request_errors_total{operation,reason}` (answers ≥ 400 and calls that got no answer),
 * and returns the callback that feeds them.
 */
export function openStackCallMetrics(metrics: MetricsRegistry): (call: OpenStackCallReport) => void {
  const duration = metrics.histogram({
    name: 'oshift_openstack_request_duration_seconds',
    help: 'Duration of each attempt of a call to Keystone or Nova, by operation and outcome (HTTP status, timeout or network)',
    labelNames: ['operation', 'outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  const errors = metrics.counter({
    name: 'oshift_openstack_request_errors_total',
    help: 'Calls to Keystone or Nova answered with an HTTP error (reason http_<status>) or not answered (timeout, network)',
    labelNames: ['operation', 'reason'],
  });
  return (call) => {
    const outcome = call.status > 0 ? String(call.status) : (call.error ?? 'network');
    duration.observe({ operation: call.operation, outcome }, call.durationMs / 1000);
    if (call.status === 0 || call.status >= 400) {
      errors.inc({ operation: call.operation, reason: call.status > 0 ? `http_${call.status}` : outcome });
    }
  };
}
