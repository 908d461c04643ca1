import { buildAuthRequestBody, normaliseAuthUrl } from './keystone-auth.request';
import { requestIdOf } from './http-transport';
import { OpenStackError } from './openstack.errors';
import { sample, sampleText } from './openstack-samples.fixture';

describe('buildAuthRequestBody', () => {
  const password = { authUrl: 'http://k/v3', username: 'demo', password: 's3cret' };

  /** The body for `scope`, checked to scope exactly as the sample `file` does. */
  const scopedAs = (file: string, scope: { projectId?: string; projectName?: string; projectDomainName: string }) => {
    const expected = sample(file);
    const body = buildAuthRequestBody({ ...password, ...scope });
    expect(body.auth.scope).toEqual(expected.auth.scope);
    return { expected, body };
  };

  it('scopes by project id exactly as the Keystone project-id sample does', () => {
    const { expected, body } = scopedAs('keystone/requests-project-id-password.json', {
      projectId: 'a6944d763bf64ee6a275f1263fae0352',
      projectDomainName: 'Default',
    });
    expect(body.auth.identity.methods).toEqual(expected.auth.identity.methods);
    expect(Object.keys((body.auth.identity['password'] as { user: object }).user)).toEqual(
      expect.arrayContaining(Object.keys(expected.auth.identity.password.user).filter((k) => k !== 'id')),
    );
  });

  it('scopes by project name and domain name exactly as gophercloud does', () => {
    const { body } = scopedAs('gophercloud/tokens-request-password-project-scope.json', {
      projectName: 'world-domination',
      projectDomainName: 'evil-plans',
    });
    // Keystone's own name-scope sample has the same shape with a domain id instead of a name.
    const keystone = sample('keystone/requests-project-name-password.json');
    expect(Object.keys(body.auth.scope!.project).sort()).toEqual(Object.keys(keystone.auth.scope.project).sort());
  });

  it('names the user within its domain (default "Default") and sends no scope when no project is given', () => {
    const unscopedSample = sample('keystone/admin-auth-password-unscoped-request.json');
    const body = buildAuthRequestBody(password);
    expect(body).toEqual({
      auth: {
        identity: {
          methods: unscopedSample.auth.identity.methods,
          password: { user: { name: 'demo', domain: { name: 'Default' }, password: 's3cret' } },
        },
      },
    });
    expect(Object.keys(body.auth)).toEqual(Object.keys(unscopedSample.auth));
  });

  it('uses the application credential, without any scope, when one is given', () => {
    const body = buildAuthRequestBody({
      authUrl: 'http://k',
      applicationCredentialId: 'ac-1',
      applicationCredentialSecret: 'sec',
      projectId: 'p',
    });
    expect(body).toEqual({
      auth: {
        identity: { methods: ['application_credential'], application_credential: { id: 'ac-1', secret: 'sec' } },
      },
    });
  });

  it('refuses incomplete credentials without echoing any secret', () => {
    const run = () => buildAuthRequestBody({ authUrl: 'http://k', applicationCredentialSecret: 'very-secret' });
    expect(run).toThrow(OpenStackError);
    expect(run).toThrow(expect.objectContaining({ code: 'invalidCredentials' }));
    expect(run).not.toThrow(/very-secret/);
    expect(() => buildAuthRequestBody({ authUrl: 'http://k', username: 'demo' })).toThrow(/username and password/);
  });
});

describe('normaliseAuthUrl', () => {
  it.each([
    ['http://127.0.0.1:5000/v3', 'http://127.0.0.1:5000/v3'],
    ['http://127.0.0.1:5000/v3/', 'http://127.0.0.1:5000/v3'],
    ['http://127.0.0.1:5000', 'http://127.0.0.1:5000/v3'],
    ['http://127.0.0.1:5000/', 'http://127.0.0.1:5000/v3'],
    ['https://cloud.example/identity', 'https://cloud.example/identity/v3'],
    [' https://cloud.example/identity/v3// ', 'https://cloud.example/identity/v3'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseAuthUrl(input)).toBe(expected);
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => normaliseAuthUrl('keystone:5000')).toThrow(OpenStackError);
    expect(() => normaliseAuthUrl('ftp://k/v3')).toThrow(/http/);
  });
});

describe('the Keystone HTTP sample', () => {
  it('carries the token in X-Subject-Token with status 201 and a request id we pick up', () => {
    const [statusLine, ...lines] = sampleText('keystone/admin-auth-password-user-name-unscoped-response-HTTP.txt')
      .trim()
      .split('\n');
    expect(statusLine).toMatch(/^HTTP\/1\.1 201 Created/);
    const headers = new Headers(
      lines.map((line) => {
        const at = line.indexOf(':');
        return [line.slice(0, at).trim(), line.slice(at + 1).trim()] as [string, string];
      }),
    );
    expect(headers.get('x-subject-token')).toBe('ffe47524401e4d61adc7310f7e5b6191');
    expect(requestIdOf(headers)).toBe('req-f2f3f6ca-e342-4cd8-bc12-71a5436ef5fc');
  });
});
