import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenStackSimulator, demoProject } from '@oshift/openstack-sim';

// Conformance: the simulated cluster's Kubernetes API driven by the real `kubectl` (which `.ci/run` requires),
// pointed at it as an operator points it at an OpenShift cluster: its HTTPS URL, a bearer token and the CA.
// Every assertion is on what kubectl prints or returns, or on what the simulator then shows.

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const project = demoProject();
const WORKER = 'worker-0.openstacklocal';
const MASTERS = ['master-0.openstacklocal', 'master-1.openstacklocal', 'master-2.openstacklocal'];

describe('kubectl against the simulated cluster', () => {
  let sim: OpenStackSimulator;
  let home: string;

  const kubectl = (...args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      const { tlsUrl, token } = sim.kubernetes();
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
      const flags = [`--server=${tlsUrl}`, `--token=${token}`, `--certificate-authority=${join(home, 'ca.pem')}`];
      execFile('kubectl', [...flags, ...args], { env, timeout: 90_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  const ok = async (...args: string[]) => {
    const result = await kubectl(...args);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    return result;
  };
  const json = async (...args: string[]) => JSON.parse((await ok(...args, '-o', 'json')).stdout);
  /** `kubectl get nodes` as NAME → STATUS. */
  const nodeStatus = async (): Promise<Record<string, string>> => {
    const lines = (await ok('get', 'nodes', '--no-headers')).stdout.trim().split('\n');
    return Object.fromEntries(lines.map((line) => line.split(/\s+/).slice(0, 2)));
  };
  /** Nova reboots a server, as the service would ask it (a project-scoped token, then the action). */
  const novaReboot = async (name: string) => {
    const auth = await fetch(`${sim.identityUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'demo', domain: { name: 'Default' }, password: 'demo-password' } },
          },
          scope: { project: { name: project.name, domain: { name: 'Default' } } },
        },
      }),
    });
    const token = auth.headers.get('x-subject-token') ?? '';
    const res = await fetch(`${sim.computeUrl}/servers/${sim.serverId(name)}/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: JSON.stringify({ reboot: { type: 'SOFT' } }),
    });
    expect(res.status).toBe(202);
  };

  beforeAll(async () => {
    const found = await new Promise<boolean>((resolve) =>
      execFile('kubectl', ['version', '--client'], (e) => resolve(!e)),
    );
    if (!found) throw new Error('kubectl is missing: install it (.ci/run requires it)');
    home = mkdtempSync(join(tmpdir(), 'kubectl-'));
    sim = await OpenStackSimulator.start({
      projects: [project],
      knobs: { rebootDurationMs: 1000, nodeReadyDelayMs: 1000, podTerminationMs: 500 },
    });
    writeFileSync(join(home, 'ca.pem'), sim.kubernetes().caPem);
  });
  afterEach(() => sim.reset());
  afterAll(async () => {
    await sim?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('gets the nodes: the cluster servers but the HAProxy VMs, Ready, with their roles and boot ids', async () => {
    const result = await ok('get', 'nodes');
    const lines = result.stdout.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ['infra-0.openstacklocal', 'Ready', 'infra'],
      ['infra-1.openstacklocal', 'Ready', 'infra'],
      ...MASTERS.map((name) => [name, 'Ready', 'control-plane,master']),
      ['worker-0.openstacklocal', 'Ready', 'worker'],
      ['worker-1.openstacklocal', 'Ready', 'worker'],
      ['worker-2.openstacklocal', 'Ready', 'worker'],
    ]);
    const node = await json('get', 'node', WORKER);
    expect(node.status.nodeInfo.bootID).toBe(sim.kubeNode(WORKER).bootId);
    expect(node.metadata.labels['kubernetes.io/hostname']).toBe(WORKER);
  });

  it('shows a rebooted node NotReady, then Ready with a new boot id', async () => {
    const before = (await json('get', 'node', WORKER)).status.nodeInfo.bootID;
    await novaReboot(WORKER);
    expect((await nodeStatus())[WORKER]).toBe('NotReady');
    for (let i = 0; i < 40 && (await nodeStatus())[WORKER] !== 'Ready'; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 250));
    const after = await json('get', 'node', WORKER);
    expect(after.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
    expect(after.status.nodeInfo.bootID).not.toBe(before);
  });

  it('cordons and uncordons a node', async () => {
    expect((await ok('cordon', WORKER)).stdout).toBe(`node/${WORKER} cordoned\n`);
    expect((await nodeStatus())[WORKER]).toBe('Ready,SchedulingDisabled');
    expect(sim.kubeNode(WORKER).unschedulable).toBe(true);
    expect((await ok('cordon', WORKER)).stdout).toBe(`node/${WORKER} already cordoned\n`);
    expect((await ok('uncordon', WORKER)).stdout).toBe(`node/${WORKER} uncordoned\n`);
    expect((await nodeStatus())[WORKER]).toBe('Ready');
    expect(sim.kubeNode(WORKER).unschedulable).toBe(false);
  });

  it('drains a worker, evicting its emptyDir pod (rescheduled elsewhere) and leaving the DaemonSet pod', async () => {
    const [app] = sim.kubePods(WORKER).filter((p) => !p.daemonSet);
    const refused = await kubectl('drain', WORKER, '--ignore-daemonsets');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `cannot delete Pods with local storage (use --delete-emptydir-data to override): shop/${app.name}`,
    );
    const drained = await ok('drain', WORKER, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=60s');
    expect(drained.stdout).toContain(`evicting pod shop/${app.name}\n`);
    expect(drained.stdout).toContain(`pod/${app.name} evicted\n`);
    expect(drained.stdout).toContain(`node/${WORKER} drained\n`);
    expect(drained.stderr).toContain('Warning: ignoring DaemonSet-managed Pods: openshift-monitoring/node-exporter-');
    const left = await json('get', 'pods', '--all-namespaces', '--field-selector', `spec.nodeName=${WORKER}`);
    expect(left.items.map((p: { metadata: { namespace: string } }) => p.metadata.namespace)).toEqual([
      'openshift-monitoring',
    ]);
    expect((await nodeStatus())[WORKER]).toBe('Ready,SchedulingDisabled');
    // The ReplicaSet's replacement runs on another worker once the scheduler bound it.
    for (let i = 0; i < 40 && sim.kubePods().some((p) => p.namespace === 'shop' && p.nodeName === null); i += 1)
      await new Promise((resolve) => setTimeout(resolve, 250));
    const shop = await json('get', 'pods', '-n', 'shop');
    const nodes = shop.items.map((p: { spec: { nodeName?: string } }) => p.spec.nodeName);
    expect(nodes).toHaveLength(3);
    expect(nodes).not.toContain(WORKER);
    expect((await ok('uncordon', WORKER)).stdout).toBe(`node/${WORKER} uncordoned\n`);
  });

  it('drains a master only as far as the quorum guard budget allows: refused until --timeout while another master is down', async () => {
    sim.setKnobs({ nodeReadyDelayMs: 120_000 }, MASTERS[1]);
    await novaReboot(MASTERS[1]);
    const budget = await json('get', 'pdb', '-n', 'openshift-etcd', 'etcd-quorum-guard');
    expect(budget.status).toMatchObject({ currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 });
    const started = Date.now();
    const drain = await kubectl('drain', MASTERS[0], '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=7s');
    expect(Date.now() - started).toBeGreaterThanOrEqual(7000);
    expect(drain.code).toBe(1);
    const guard = sim.kubePods(MASTERS[0]).find((p) => p.name.startsWith('etcd-quorum-guard'));
    expect(guard).toMatchObject({ terminating: false });
    expect(drain.stderr).toContain(
      `error when evicting pods/"${guard?.name}" -n "openshift-etcd" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`,
    );
    expect(drain.stderr).toContain('global timeout reached: 7s');
    // The static pods were never touched; the node stays cordoned, as kubectl leaves it.
    expect(sim.kubePods(MASTERS[0]).filter((p) => p.mirror && !p.terminating)).toHaveLength(2);
    expect((await nodeStatus())[MASTERS[0]]).toBe('Ready,SchedulingDisabled');
    expect((await nodeStatus())[MASTERS[1]]).toBe('NotReady');
  });
});
