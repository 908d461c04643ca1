import { settingsTableMismatch } from '@oshift/testing';
import { DEMO_VARIABLES } from './demo.config';

it('docs/operators.md lists exactly the settings the demo reads', () => {
  expect(settingsTableMismatch('demo', DEMO_VARIABLES)).toEqual({ undocumented: [], notRead: [] });
});
