import { OpenStackError } from './openstack.errors';
import type { OpenStackCredentials } from './openstack.options';

/** Body of `POST /v3/auth/tokens`. */
export interface KeystoneAuthRequest {
  auth: {
    identity: Record<string, unknown> & { methods: string[] };
    scope?: { project: { id: string } | { name: string; domain: { name: string } } };
  };
}

/**
 * Turns any spelling of a Keystone endpoint into the v3 base without a trailing slash:
 * `http://h:5000`, `http://h:5000/`, `http://h:5000/v3/` and `http://h/identity` → `.../v3`.
 */
export function normaliseAuthUrl(authUrl: string): string {
  let url: URL;
  try {
    url = new URL(authUrl.trim());
  } catch {
    throw new OpenStackError('authUrl is not a valid URL', 0, 'invalidCredentials');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OpenStackError('authUrl must be an http(s) URL', 0, 'invalidCredentials');
  }
  url.search = '';
  url.hash = '';
  let path = url.pathname.replace(/\/+$/, '');
  if (!/\/v3$/.test(path)) path = `${path}/v3`;
  url.pathname = path;
  return url.toString().replace(/\/+$/, '');
}

/**
 * Builds the Keystone v3 authentication body. Application credentials win when both kinds are given;
 * they carry their own project, so no scope is sent. Password auth names the user within its domain and
 * scopes to the project by id, else by name within its domain, else (no project given) to the user's default.
 */
export function buildAuthRequestBody(creds: OpenStackCredentials): KeystoneAuthRequest {
  if (creds.applicationCredentialId || creds.applicationCredentialSecret) {
    if (!creds.applicationCredentialId || !creds.applicationCredentialSecret) {
      throw new OpenStackError('application credential auth needs both an id and a secret', 0, 'invalidCredentials');
    }
    return {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { id: creds.applicationCredentialId, secret: creds.applicationCredentialSecret },
        },
      },
    };
  }
  if (!creds.username || creds.password === undefined || creds.password === '') {
    throw new OpenStackError(
      'credentials need a username and password, or an application credential id and secret',
      0,
      'invalidCredentials',
    );
  }
  const request: KeystoneAuthRequest = {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: { name: creds.username, domain: { name: creds.userDomainName || 'Default' }, password: creds.password },
        },
      },
    },
  };
  if (creds.projectId) {
    request.auth.scope = { project: { id: creds.projectId } };
  } else if (creds.projectName) {
    request.auth.scope = {
      project: { name: creds.projectName, domain: { name: creds.projectDomainName || 'Default' } },
    };
  }
  return request;
}
