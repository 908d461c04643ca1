import { parseCatalog, parseTime, parseTokenResponse, selectEndpoint } from './keystone-token.parser';
import { OpenStackError } from './openstack.errors';
import { sample } from './openstack-samples.fixture';

describe('parseTokenResponse on the Keystone and gophercloud samples', () => {
  it('reads the project-scoped admin sample: expiry, project, user and a full catalog', () => {
    const token = parseTokenResponse(sample('keystone/admin-auth-password-project-scoped-response.json'), 'tok-1');
    expect(token.token).toBe('tok-1');
    expect(token.expiresAt.toISOString()).toBe('2015-11-07T02:58:43.578Z');
    expect(token.issuedAt?.toISOString()).toBe('2015-11-07T01:58:43.578Z');
    expect(token.methods).toEqual(['password']);
    expect(token.projectId).toBe('a6944d763bf64ee6a275f1263fae0352');
    expect(token.projectName).toBe('admin');
    expect(token.userId).toBe('ee4dfb6e5540447cb3741905149d9b6e');
    expect(token.catalog.map((entry) => entry.type)).toContain('compute');
    expect(token.catalog.map((entry) => entry.type)).toContain('compute_legacy');
  });

  it('picks the v2.1 compute endpoint (not compute_legacy v2) from both admin samples', () => {
    const scoped = parseTokenResponse(sample('keystone/admin-auth-password-project-scoped-response.json'), 't');
    expect(selectEndpoint(scoped.catalog, 'compute', 'public')).toBe(
      'http://23.253.248.171:8774/v2.1/a6944d763bf64ee6a275f1263fae0352',
    );
    expect(selectEndpoint(scoped.catalog, 'compute', 'internal', 'RegionOne')).toBe(
      'http://23.253.248.171:8774/v2.1/a6944d763bf64ee6a275f1263fae0352',
    );
    const byToken = parseTokenResponse(sample('keystone/admin-auth-token-scoped-response.json'), 't');
    expect(byToken.methods).toEqual(['token']);
    expect(byToken.expiresAt.toISOString()).toBe('2015-11-05T22:00:11.000Z');
    expect(selectEndpoint(byToken.catalog, 'compute', 'admin')).toBe(
      'http://23.253.248.171:8774/v2.1/5b50efd009b540559104ee3c03bbb2b7',
    );
  });

  it('tells interfaces apart where the sample URLs differ (identity, object-store)', () => {
    const { catalog } = parseTokenResponse(sample('keystone/admin-auth-password-project-scoped-response.json'), 't');
    expect(selectEndpoint(catalog, 'identity', 'public')).toBe('http://example.com/identity/v2.0');
    expect(selectEndpoint(catalog, 'identity', 'admin')).toBe('http://example.com/identity_v2_admin/v2.0');
    expect(selectEndpoint(catalog, 'object-store', 'admin')).toBe('http://23.253.248.171:8080');
    expect(selectEndpoint(catalog, 'object-store', 'public')).toBe(
      'http://23.253.248.171:8080/v1/AUTH_a6944d763bf64ee6a275f1263fae0352',
    );
  });

  it('filters by region against region_id or region, and finds nothing in an unknown region', () => {
    const { catalog } = parseTokenResponse(sample('gophercloud/tokens-TokenOutput.json'), 't');
    expect(selectEndpoint(catalog, 'compute', 'public', 'RegionOne')).toBe(
      'http://127.0.0.1:8774/v2.1/a99e9b4e620e4db09a2dfb6e42a01e66',
    );
    expect(selectEndpoint(catalog, 'compute', 'public', 'RegionTwo')).toBeUndefined();
    const onlyLegacyRegionField = parseCatalog([
      { type: 'compute', endpoints: [{ url: 'http://nova/v2.1/', interface: 'public', region: 'Legacy' }] },
    ]);
    expect(selectEndpoint(onlyLegacyRegionField, 'compute', 'public', 'Legacy')).toBe('http://nova/v2.1');
  });

  it('reads gophercloud TokenOutput (project scope) and DomainToken (domain scope, no project)', () => {
    const project = parseTokenResponse(sample('gophercloud/tokens-TokenOutput.json'), 't');
    expect(project.expiresAt.toISOString()).toBe('2017-06-03T02:19:49.000Z');
    expect(project.projectId).toBe('a99e9b4e620e4db09a2dfb6e42a01e66');
    expect(selectEndpoint(project.catalog, 'identity', 'admin')).toBe('http://127.0.0.1:35357/v3');
    const domain = parseTokenResponse(sample('gophercloud/tokens-DomainToken.json'), 't');
    expect(domain.projectId).toBeUndefined();
    expect(domain.issuedAt?.toISOString()).toBe('2019-09-18T15:12:32.000Z');
    expect(selectEndpoint(domain.catalog, 'compute', 'internal')).toBe(
      'http://127.0.0.1:8774/v2.1/a99e9b4e620e4db09a2dfb6e42a01e66',
    );
  });

  it('has no compute endpoint for the current api-ref sample (identity only) nor an unscoped token', () => {
    const current = parseTokenResponse(sample('keystone/responses-project-scoped-password.json'), 't');
    expect(current.catalog.map((entry) => entry.type)).toEqual(['identity']);
    expect(selectEndpoint(current.catalog, 'compute', 'public')).toBeUndefined();
    const unscoped = parseTokenResponse(sample('keystone/admin-auth-password-unscoped-response.json'), 't');
    expect(unscoped.catalog).toEqual([]);
    expect(unscoped.projectId).toBeUndefined();
    expect(unscoped.userId).toBe('423f19a4ac1e4f48bbb4180756e6eb6c');
    expect(unscoped.expiresAt.toISOString()).toBe('2015-11-06T15:32:17.893Z');
  });

  it('refuses an answer without X-Subject-Token or without expires_at', () => {
    const body = sample('keystone/responses-project-scoped-password.json');
    expect(() => parseTokenResponse(body, null)).toThrow(OpenStackError);
    expect(() => parseTokenResponse({ token: { methods: ['password'] } }, 'x')).toThrow(/expires_at/);
  });
});

describe('parseTime', () => {
  it('reads Keystone microsecond timestamps with and without a zone as UTC', () => {
    expect(parseTime('2015-11-07T02:58:43.578887Z')?.getTime()).toBe(Date.UTC(2015, 10, 7, 2, 58, 43, 578));
    expect(parseTime('2016-11-06T15:32:17.000000')?.getTime()).toBe(Date.UTC(2016, 10, 6, 15, 32, 17));
    expect(parseTime('2019-09-18T23:12:32Z')?.getTime()).toBe(Date.UTC(2019, 8, 18, 23, 12, 32));
    expect(parseTime('not a date')).toBeUndefined();
    expect(parseTime(null)).toBeUndefined();
  });
});
