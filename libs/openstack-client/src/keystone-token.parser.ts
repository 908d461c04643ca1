import { OpenStackError } from './openstack.errors';

/** One endpoint of a catalog entry, as Keystone v3 lists it. */
export interface CatalogEndpoint {
  url: string;
  interface: string;
  region?: string;
  regionId?: string;
}

/** One service of the token's catalog. */
export interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/** What the client keeps from a Keystone token answer. */
export interface KeystoneToken {
  /** The `X-Subject-Token` header: the secret itself. */
  token: string;
  expiresAt: Date;
  issuedAt?: Date;
  methods: string[];
  projectId?: string;
  projectName?: string;
  userId?: string;
  catalog: CatalogEntry[];
}

/**
 * Parses the body of a `201` from `POST /v3/auth/tokens` plus its `X-Subject-Token` header.
 * Unscoped tokens have no catalog: `catalog` is then empty.
 */
export function parseTokenResponse(body: unknown, subjectToken: string | null | undefined): KeystoneToken {
  if (!subjectToken) throw invalid('Keystone answered without an X-Subject-Token header');
  const token = isRecord(body) ? body['token'] : undefined;
  if (!isRecord(token)) throw invalid('Keystone token answer has no "token" object');
  const expiresAt = parseTime(token['expires_at']);
  if (!expiresAt) throw invalid('Keystone token answer has no valid expires_at');
  const project = isRecord(token['project']) ? token['project'] : undefined;
  const user = isRecord(token['user']) ? token['user'] : undefined;
  return {
    token: subjectToken,
    expiresAt,
    issuedAt: parseTime(token['issued_at']),
    methods: Array.isArray(token['methods']) ? token['methods'].filter((m): m is string => typeof m === 'string') : [],
    projectId: stringOrUndefined(project?.['id']),
    projectName: stringOrUndefined(project?.['name']),
    userId: stringOrUndefined(user?.['id']),
    catalog: parseCatalog(token['catalog']),
  };
}

/** Reads a Keystone catalog, skipping malformed entries rather than failing on them. */
export function parseCatalog(raw: unknown): CatalogEntry[] {
  if (!Array.isArray(raw)) return [];
  const entries: CatalogEntry[] = [];
  for (const item of raw) {
    if (!isRecord(item) || typeof item['type'] !== 'string') continue;
    const endpoints: CatalogEndpoint[] = [];
    for (const ep of Array.isArray(item['endpoints']) ? item['endpoints'] : []) {
      if (!isRecord(ep) || typeof ep['url'] !== 'string' || typeof ep['interface'] !== 'string') continue;
      endpoints.push({
        url: ep['url'],
        interface: ep['interface'],
        region: stringOrUndefined(ep['region']),
        regionId: stringOrUndefined(ep['region_id']),
      });
    }
    entries.push({ type: item['type'], name: stringOrUndefined(item['name']), endpoints });
  }
  return entries;
}

/**
 * The URL of the first endpoint of service `type` on `iface` (and in `region`, matched against `region_id`
 * or `region`, when given), without a trailing slash; `undefined` when the catalog has none.
 */
export function selectEndpoint(
  catalog: readonly CatalogEntry[],
  type: string,
  iface: string,
  region?: string,
): string | undefined {
  for (const entry of catalog) {
    if (entry.type !== type) continue;
    for (const ep of entry.endpoints) {
      if (ep.interface !== iface) continue;
      if (region && ep.regionId !== region && ep.region !== region) continue;
      return ep.url.replace(/\/+$/, '');
    }
  }
  return undefined;
}

/** Keystone writes times as `2015-11-07T02:58:43.578887Z` (microseconds, sometimes no `Z`): read them as UTC. */
export function parseTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!match) return undefined;
  const millis = (match[2] ?? '').padEnd(3, '0').slice(0, 3);
  const zone = match[3] ?? 'Z';
  const date = new Date(`${match[1]}.${millis}${zone}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function invalid(message: string): OpenStackError {
  return new OpenStackError(message, 0, 'invalidResponse');
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
