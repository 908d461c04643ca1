import { DEMO_VARIABLES } from './demo.config';

it('docs/operators.md lists exactly the settings the demo reads', async () => {
  // Imported as local-redis.ts does (the built demo never loads the test lib).
  const { settingsTableMismatch } = await import('@oshift/testing');
  expect(settingsTableMismatch('demo', DEMO_VARIABLES)).toEqual({ undocumented: [], notRead: [] });
});
