import { keystoneTime, stableHex } from './sim-format';
import type { SimProject, SimToken, SimUser } from './sim-identity';

/** Where the simulator's services live, for the catalog. */
export interface CatalogUrls {
  identity: string;
  compute: string;
  image: string;
  region: string;
}

/** The body of a `201` from `POST /v3/auth/tokens`, shaped like Keystone's (project-scoped-password.json). */
export function tokenBody(
  token: SimToken,
  user: SimUser,
  project: SimProject,
  urls: CatalogUrls,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    audit_ids: [Buffer.from(token.id.slice(-16)).toString('base64url').slice(0, 22)],
    catalog: catalog(urls),
    expires_at: keystoneTime(token.expiresAt),
    is_domain: false,
    issued_at: keystoneTime(token.issuedAt),
    methods: token.methods,
    project: { domain: { id: project.domain.id, name: project.domain.name }, id: project.id, name: project.name },
    roles: [
      { id: stableHex('role', 'member'), name: 'member' },
      { id: stableHex('role', 'reader'), name: 'reader' },
    ],
    user: {
      domain: { id: user.domain.id, name: user.domain.name },
      id: user.id,
      name: user.name,
      password_expires_at: null,
    },
  };
  if (token.applicationCredentialId) {
    body['application_credential'] = { id: token.applicationCredentialId, name: 'oshift', restricted: true };
  }
  return { token: body };
}

function catalog(urls: CatalogUrls): Record<string, unknown>[] {
  const endpoint = (service: string, iface: string, url: string) => ({
    id: stableHex('endpoint', service, iface),
    interface: iface,
    region: urls.region,
    region_id: urls.region,
    url,
  });
  return [
    {
      endpoints: ['public', 'internal', 'admin'].map((iface) => endpoint('identity', iface, urls.identity)),
      id: stableHex('service', 'identity'),
      name: 'keystone',
      type: 'identity',
    },
    {
      endpoints: ['public', 'internal'].map((iface) => endpoint('compute', iface, urls.compute)),
      id: stableHex('service', 'compute'),
      name: 'nova',
      type: 'compute',
    },
    {
      endpoints: ['public', 'internal'].map((iface) => endpoint('image', iface, urls.image)),
      id: stableHex('service', 'image'),
      name: 'glance',
      type: 'image',
    },
  ];
}
