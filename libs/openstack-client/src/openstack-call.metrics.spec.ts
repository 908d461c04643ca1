import { MetricsRegistry } from '@oshift/observability';
import { openStackCallMetrics } from './openstack-call.metrics';

describe('openStackCallMetrics', () => {
  it('records every attempt by operation and outcome, and counts errors by reason', async () => {
    const metrics = new MetricsRegistry({ processMetrics: false });
    const report = openStackCallMetrics(metrics);
    report({ operation: 'nova.getServer', method: 'GET', status: 200, durationMs: 20 });
    report({ operation: 'nova.getServer', method: 'GET', status: 503, durationMs: 5 });
    report({ operation: 'nova.reboot', method: 'POST', status: 0, error: 'timeout', durationMs: 10000 });
    const text = await metrics.exposition();
    expect(text).toContain(
      'oshift_openstack_request_duration_seconds_count{operation="nova.getServer",outcome="200"} 1',
    );
    expect(text).toContain(
      'oshift_openstack_request_duration_seconds_count{operation="nova.reboot",outcome="timeout"} 1',
    );
    expect(text).toContain('oshift_openstack_request_errors_total{operation="nova.getServer",reason="http_503"} 1');
    expect(text).toContain('oshift_openstack_request_errors_total{operation="nova.reboot",reason="timeout"} 1');
    expect(text).not.toContain('reason="http_200"');
  });
});
