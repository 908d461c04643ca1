import { settingsTableMismatch } from '@oshift/testing';
import { WORKER_VARIABLES } from './worker.config';

it('docs/operators.md lists exactly the settings the worker reads', () => {
  expect(settingsTableMismatch('worker', WORKER_VARIABLES)).toEqual({ undocumented: [], notRead: [] });
});
