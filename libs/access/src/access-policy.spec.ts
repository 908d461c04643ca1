import { isAllowed, Permissions, Permission, Role } from './access-policy';

// Every combination of what a caller holds on a cluster and what they ask to do there.
const holdings: { holds: readonly Role[] | undefined; may: readonly Permission[] }[] = [
  { holds: undefined, may: [] },
  { holds: [], may: [] },
  { holds: ['read'], may: ['nodes:read', 'jobs:read'] },
  { holds: ['reboot'], may: ['nodes:read', 'jobs:read', 'nodes:reboot'] },
  { holds: ['read', 'reboot'], may: ['nodes:read', 'jobs:read', 'nodes:reboot'] },
];

describe('isAllowed', () => {
  const table = holdings.flatMap(({ holds, may }) =>
    Permissions.map((permission) => [JSON.stringify(holds ?? null), permission, may.includes(permission)] as const),
  );

  it.each(table)('holding %s, %s is allowed: %s', (holds, permission, expected) => {
    const roles = JSON.parse(holds) as Role[] | null;
    expect(isAllowed(roles ?? undefined, permission)).toBe(expected);
  });
});
