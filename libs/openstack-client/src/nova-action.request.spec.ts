import { buildRebootBody } from './nova-action.request';
import { sample } from './openstack-samples.fixture';

describe('buildRebootBody', () => {
  it('equals the Nova HARD sample and the gophercloud SOFT request', () => {
    expect(buildRebootBody('HARD')).toEqual(sample('nova/server-action-reboot.json'));
    expect(buildRebootBody('SOFT')).toEqual(sample('gophercloud/HandleRebootSuccessfully-request.json'));
    expect(JSON.stringify(buildRebootBody('SOFT'))).toBe('{"reboot":{"type":"SOFT"}}');
  });

  it('refuses any other type', () => {
    expect(() => buildRebootBody('soft' as never)).toThrow(RangeError);
  });
});
