// deploy/prometheus/alerts.yaml checked by Prometheus' own promtool (Debian's prometheus package; .ci/run puts it on
// the PATH): the rules parse, and the alerts whose meaning changed fire exactly when they should.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

const ROOT = resolve(__dirname, '../../../..');

interface Rule {
  alert: string;
  expr: string;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

/** The PrometheusRule's `spec`: a plain Prometheus rule file. */
const rules = (parse(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yaml'), 'utf8')) as { spec: RuleFile }).spec;

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (run.error) throw new Error(`promtool is needed on the PATH (.ci/run extracts it): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('alert rules (promtool)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'oshift-alerts-'));
    writeFileSync(join(dir, 'rules.yaml'), stringify(rules));
    // The same rules without annotations, for the unit tests below: they test when alerts fire, not their text.
    const bare: RuleFile = {
      groups: rules.groups.map((group) => ({
        ...group,
        rules: group.rules.map((rule) => ({ ...rule, annotations: undefined })),
      })),
    };
    writeFileSync(join(dir, 'bare-rules.yaml'), stringify(bare));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses, every expression and template included', () => {
    const checked = promtool(['check', 'rules', 'rules.yaml'], dir);
    expect(checked).toEqual({ status: 0, output: expect.stringContaining('SUCCESS: 9 rules found') });
  });

  it('fires the availability, deadline and dependency alerts when, and only when, they are true', () => {
    const alert = (alertname: string, minute: number, expected: Record<string, string>[]) => ({
      eval_time: `${minute}m`,
      alertname,
      exp_alerts: expected.map((labels) => ({ exp_labels: labels })),
    });
    const tests = {
      rule_files: ['bare-rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          // Gateways all gone from minute 2 (crashing, say); workers fine. Prometheus still scrapes unready pods,
          // so availability is read from kube-state-metrics.
          interval: '1m',
          input_series: [
            { series: 'kube_deployment_status_replicas_available{deployment="oshift-gateway"}', values: '2 2 0x20' },
            { series: 'kube_deployment_status_replicas_available{deployment="oshift-worker"}', values: '2x22' },
          ],
          alert_rule_test: [
            alert('OshiftNoReadyGateway', 5, []),
            alert('OshiftNoReadyGateway', 8, [{ severity: 'critical' }]),
            alert('OshiftNoReadyWorker', 8, []),
          ],
        },
        {
          // A reboot running for 40 minutes with no BullMQ job active (a sent reboot holds none) is no trouble.
          interval: '1m',
          input_series: [
            { series: 'oshift_jobs{state="running"}', values: '1x40' },
            { series: 'oshift_queue_jobs{queue="reboot",state="active"}', values: '0x40' },
            { series: 'oshift_jobs_past_deadline', values: '0x40' },
          ],
          alert_rule_test: [alert('OshiftJobsPastDeadline', 40, [])],
        },
        {
          // A job outlives its deadline from minute 2 and nothing ends it: the alert fires after 15 minutes.
          interval: '1m',
          input_series: [{ series: 'oshift_jobs_past_deadline{pod="worker-a"}', values: '0 0 1x30' }],
          alert_rule_test: [
            alert('OshiftJobsPastDeadline', 10, []),
            alert('OshiftJobsPastDeadline', 18, [{ severity: 'warning' }]),
          ],
        },
        {
          // 10 % of answers are 5xx from minute 1, by the `code` label the gateway exports: the alert fires after
          // 10 minutes. The webhook queue's backlog is not the reboot queue's: it alone grows no reboot alert.
          interval: '1m',
          input_series: [
            { series: 'oshift_http_requests_total{method="GET",route="/r",code="200"}', values: '0+90x30' },
            { series: 'oshift_http_requests_total{method="GET",route="/r",code="503"}', values: '0+10x30' },
            { series: 'oshift_queue_jobs{queue="webhook",state="waiting"}', values: '100+10x30' },
            { series: 'oshift_queue_jobs{queue="reboot",state="waiting"}', values: '0x30' },
          ],
          alert_rule_test: [
            alert('OshiftApiErrors', 8, []),
            alert('OshiftApiErrors', 14, [{ severity: 'warning' }]),
            alert('OshiftRebootQueueGrowing', 25, []),
          ],
        },
        {
          // The reboot queue grows past 50 from minute 5 and keeps growing: the alert fires 10 minutes later.
          interval: '1m',
          input_series: [{ series: 'oshift_queue_jobs{queue="reboot",state="waiting"}', values: '0+12x30' }],
          alert_rule_test: [
            alert('OshiftRebootQueueGrowing', 10, []),
            alert('OshiftRebootQueueGrowing', 20, [{ severity: 'warning' }]),
          ],
        },
        {
          // Postgres out of every pod's reach from minute 1; Redis reached by one pod of two: only Postgres alerts.
          interval: '1m',
          input_series: [
            { series: 'oshift_dependency_up{dependency="postgres",pod="gateway-a"}', values: '1 0x10' },
            { series: 'oshift_dependency_up{dependency="postgres",pod="worker-a"}', values: '1 0x10' },
            { series: 'oshift_dependency_up{dependency="redis",pod="gateway-a"}', values: '1 0x10' },
            { series: 'oshift_dependency_up{dependency="redis",pod="worker-a"}', values: '1x11' },
          ],
          alert_rule_test: [
            alert('OshiftDependencyDown', 2, []),
            alert('OshiftDependencyDown', 5, [{ dependency: 'postgres', severity: 'critical' }]),
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'tests.yaml'), stringify(tests));
    const tested = promtool(['test', 'rules', 'tests.yaml'], dir);
    expect(tested).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });
});
