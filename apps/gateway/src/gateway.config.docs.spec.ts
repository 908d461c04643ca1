import { settingsTableMismatch } from '@oshift/testing';
import { GATEWAY_VARIABLES } from './gateway.config';

it('docs/operators.md lists exactly the settings the gateway reads', () => {
  expect(settingsTableMismatch('gateway', GATEWAY_VARIABLES)).toEqual({ undocumented: [], notRead: [] });
});
