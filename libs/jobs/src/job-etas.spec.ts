import { p50Of, typicalDuration } from './job-etas';
import { DEFAULT_REBOOT_POLICY } from './reboot-policy';

const reboot = (target: string, ms: number, at: number) => ({ target, ms, at });

describe('a reboot’s typical duration', () => {
  it('is the median of the newest 20, the lower middle one of an even count', () => {
    expect(p50Of([])).toBeNull();
    expect(p50Of([reboot('a', 30, 1)])).toBe(30);
    expect(p50Of([reboot('a', 40, 1), reboot('a', 10, 2), reboot('a', 30, 3), reboot('a', 20, 4)])).toBe(20);
    // 25 reboots: the 5 oldest (1000 ms each) are past the sample, so the median is of the 20 newest (1..20 ms).
    const history = [
      ...Array.from({ length: 5 }, (_, i) => reboot('a', 1000, i)),
      ...Array.from({ length: 20 }, (_, i) => reboot('a', i + 1, 100 + i)),
    ];
    expect(p50Of(history)).toBe(10);
  });

  it('comes from the node, else its role, else the cluster, and is not known without any history', () => {
    const history = [
      reboot('worker-0.openstacklocal', 60_000, 1),
      reboot('worker-0.openstacklocal', 62_000, 2),
      reboot('master-0.openstacklocal', 300_000, 3),
    ];
    const policy = DEFAULT_REBOOT_POLICY;
    expect(typicalDuration('worker-0.openstacklocal', history, policy)).toEqual({ ms: 60_000, basis: 'node' });
    expect(typicalDuration('worker-1.openstacklocal', history, policy)).toEqual({ ms: 60_000, basis: 'role' });
    expect(typicalDuration('infra-0.openstacklocal', history, policy)).toEqual({ ms: 62_000, basis: 'cluster' });
    expect(typicalDuration('infra-0.openstacklocal', history, null)).toEqual({ ms: 62_000, basis: 'cluster' });
    expect(typicalDuration('worker-0.openstacklocal', [], policy)).toBeNull();
  });
});
