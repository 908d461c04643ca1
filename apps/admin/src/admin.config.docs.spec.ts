import { settingsTableMismatch } from '@oshift/testing';
import { ADMIN_VARIABLES } from './admin.config';

it('docs/operators.md lists exactly the settings the admin CLI reads', () => {
  expect(settingsTableMismatch('admin', ADMIN_VARIABLES)).toEqual({ undocumented: [], notRead: [] });
});
