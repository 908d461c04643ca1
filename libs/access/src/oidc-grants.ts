import { isRole, type Role } from './access-policy';

/**
 * The value of a claim: a top-level claim by its exact name (names may hold dots, as URL-style claim
 * names do), else a dotted path into nested objects (`realm_access.roles`).
 */
export function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Grants from the identity provider's groups: each group `<prefix><cluster-id>:<role>` (e.g.
 * `oshift:mycompany.cor00005.cna.ukcloud.com:reboot`) grants that role on that cluster. Other groups,
 * unknown roles and malformed names grant nothing. `groups` is the claim's value: a list of names, or one.
 */
export function grantsFromGroups(groups: unknown, prefix: string): Map<string, Role[]> {
  const names = Array.isArray(groups) ? groups : typeof groups === 'string' ? [groups] : [];
  const grants = new Map<string, Set<Role>>();
  for (const name of names) {
    if (typeof name !== 'string' || !name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const colon = rest.lastIndexOf(':');
    const clusterId = rest.slice(0, colon);
    const role = rest.slice(colon + 1);
    if (colon <= 0 || !isRole(role) || !/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(clusterId)) continue;
    grants.set(clusterId, (grants.get(clusterId) ?? new Set<Role>()).add(role));
  }
  return new Map([...grants].map(([clusterId, roles]) => [clusterId, [...roles].sort()]));
}
