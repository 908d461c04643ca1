import { settingsTableMismatch } from '@oshift/testing';
import { SIM_VARIABLES } from './sim.config';

it('docs/operators.md lists exactly the settings the simulator reads', () => {
  expect(settingsTableMismatch('openstack-sim', SIM_VARIABLES)).toEqual({ undocumented: [], notRead: [] });
});
