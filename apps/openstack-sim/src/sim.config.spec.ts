import { ConfigError } from '@oshift/config';
import { loadSimConfig } from './sim.config';

describe('loadSimConfig', () => {
  it('applies the defaults', () => {
    expect(loadSimConfig({})).toEqual({
      http: { host: '127.0.0.1', port: 5005, publicUrl: undefined, kubePort: 6443 },
      region: 'RegionOne',
      fleet: { clusters: 0, workers: 3 },
      faults: { lockedServers: [], heldTaskStates: [] },
      knobs: {
        rebootDurationMs: 3000,
        rebootHangs: false,
        rebootEndsIn: 'ACTIVE',
        latencyMs: 0,
        errorRate: 0,
        dropRate: 0,
        tokenTtlSeconds: 3600,
        softEscalatesToHardAfterMs: null,
        pageSizeMax: 1000,
        powerActionDurationMs: 1000,
        snapshotDurationMs: 5000,
        actionDelayMs: 0,
        nodeReadyDelayMs: 2000,
        podTerminationMs: 1000,
        kubeUnreachable: false,
      },
    });
  });

  it('reads every knob from the environment', () => {
    const config = loadSimConfig({
      SIM_HOST: '0.0.0.0',
      SIM_PORT: '0',
      SIM_PUBLIC_URL: 'http://openstack-sim:5005/',
      SIM_REBOOT_DURATION_MS: '250',
      SIM_REBOOT_HANGS: 'yes',
      SIM_REBOOT_ENDS_IN: 'ERROR',
      SIM_ERROR_RATE: '0.25',
      SIM_SOFT_ESCALATES_TO_HARD_AFTER_MS: '1000',
      SIM_PAGE_SIZE_MAX: '3',
      SIM_SNAPSHOT_DURATION_MS: '60000',
      SIM_ACTION_DELAY_MS: '12000',
      SIM_NODE_READY_DELAY_MS: '30000',
      SIM_POD_TERMINATION_MS: '5000',
      SIM_KUBE_UNREACHABLE: 'yes',
      SIM_KUBE_PORT: '0',
      SIM_FLEET_CLUSTERS: '100',
      SIM_LOCKED_SERVERS: 'master-0.openstacklocal, master-1.openstacklocal',
      SIM_HELD_TASK_STATES: 'worker-1.openstacklocal=migrating,infra-0.openstacklocal=image_snapshot',
    });
    expect(config.faults).toEqual({
      lockedServers: ['master-0.openstacklocal', 'master-1.openstacklocal'],
      heldTaskStates: [
        ['worker-1.openstacklocal', 'migrating'],
        ['infra-0.openstacklocal', 'image_snapshot'],
      ],
    });
    expect(config.fleet).toEqual({ clusters: 100, workers: 3 });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 0, publicUrl: 'http://openstack-sim:5005', kubePort: 0 });
    expect(config.knobs).toMatchObject({
      rebootDurationMs: 250,
      rebootHangs: true,
      rebootEndsIn: 'ERROR',
      errorRate: 0.25,
      softEscalatesToHardAfterMs: 1000,
      pageSizeMax: 3,
      snapshotDurationMs: 60000,
      actionDelayMs: 12000,
      nodeReadyDelayMs: 30000,
      podTerminationMs: 5000,
      kubeUnreachable: true,
    });
  });

  it('refuses malformed values in one line naming each variable', () => {
    expect(() => loadSimConfig({ SIM_HELD_TASK_STATES: 'worker-1.openstacklocal=napping' })).toThrow(
      /SIM_HELD_TASK_STATES/,
    );
    const run = () => loadSimConfig({ SIM_PORT: 'abc', SIM_ERROR_RATE: '2', SIM_REBOOT_ENDS_IN: 'MAYBE' });
    expect(run).toThrow(ConfigError);
    try {
      run();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toMatch(/SIM_PORT: .*; SIM_REBOOT_ENDS_IN: .*; SIM_ERROR_RATE: /);
    }
  });
});
