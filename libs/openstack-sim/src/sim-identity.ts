import { randomBytes } from 'node:crypto';
import { stableHex } from './sim-format';
import type { SimProjectSpec } from './sim.types';

/** A simulated Keystone domain (the `Default` domain has id `default`, as in Keystone). */
export interface SimDomain {
  id: string;
  name: string;
}

export interface SimProject {
  id: string;
  name: string;
  domain: SimDomain;
}

export interface SimUser {
  id: string;
  name: string;
  domain: SimDomain;
  password: string;
  /** Projects the user holds the member role on; the first is the default project. */
  projectIds: string[];
}

export interface SimApplicationCredential {
  id: string;
  secret: string;
  userId: string;
  projectId: string;
}

/** An issued token. */
export interface SimToken {
  id: string;
  userId: string;
  projectId: string;
  methods: string[];
  issuedAt: number;
  expiresAt: number;
  applicationCredentialId?: string;
}

/** Why Keystone refused: 400 for malformed bodies, 401 for everything about who you are. */
export type AuthOutcome =
  { ok: true; token: SimToken; user: SimUser; project: SimProject } | { ok: false; status: 400 | 401; message: string };

/** Keystone's answer to any failed authentication: it never says which part was wrong. */
export const UNAUTHORIZED_MESSAGE = 'The request you have made requires authentication.';

/**
 * The identity side of the simulator: users, projects, application credentials and tokens, and the
 * checks of `POST /v3/auth/tokens` (password with project scope by id or name+domain, or application credential).
 */
export class SimIdentity {
  readonly projects = new Map<string, SimProject>();
  private readonly users = new Map<string, SimUser>();
  private readonly appCreds = new Map<string, SimApplicationCredential>();
  private readonly tokens = new Map<string, SimToken>();

  constructor(specs: readonly SimProjectSpec[]) {
    for (const spec of specs) {
      const project: SimProject = { id: spec.id, name: spec.name, domain: domainOf(spec.domain) };
      this.projects.set(project.id, project);
      for (const u of spec.users) {
        const domain = domainOf(u.domain);
        const id = stableHex('user', domain.id, u.name);
        const existing = this.users.get(id);
        if (existing) existing.projectIds.push(project.id);
        else this.users.set(id, { id, name: u.name, domain, password: u.password, projectIds: [project.id] });
      }
      for (const cred of spec.applicationCredentials ?? []) {
        const owner = spec.users.find((u) => u.name === cred.user);
        if (!owner)
          throw new Error(`application credential ${cred.id}: user ${cred.user} is not a user of project ${spec.name}`);
        const userId = stableHex('user', domainOf(owner.domain).id, owner.name);
        this.appCreds.set(cred.id, { id: cred.id, secret: cred.secret, userId, projectId: project.id });
      }
    }
  }

  /** The first user of a project (owner of its servers). */
  ownerOf(projectId: string): string {
    for (const user of this.users.values()) if (user.projectIds.includes(projectId)) return user.id;
    return stableHex('user', 'nobody');
  }

  /** Checks a `POST /v3/auth/tokens` body and issues a token valid for `ttlSeconds`. */
  authenticate(body: unknown, now: number, ttlSeconds: number): AuthOutcome {
    const auth = field(body, 'auth');
    const identity = field(auth, 'identity');
    const methods = field(identity, 'methods');
    if (!Array.isArray(methods) || methods.length === 0) return bad('Expecting to find identity.methods in auth');
    const scope = field(auth, 'scope');
    if (methods.includes('application_credential')) {
      const cred = field(identity, 'application_credential');
      const id = field(cred, 'id');
      const secret = field(cred, 'secret');
      if (typeof id !== 'string' || typeof secret !== 'string')
        return bad('Expecting application_credential id and secret');
      const stored = this.appCreds.get(id);
      // Keystone refuses a scope with an application credential: it carries its own.
      if (!stored || stored.secret !== secret || scope !== undefined) return unauthorized();
      return this.issue(stored.userId, stored.projectId, ['application_credential'], now, ttlSeconds, stored.id);
    }
    if (!methods.includes('password')) return unauthorized();
    const user = this.findUser(field(field(identity, 'password'), 'user'));
    if (user === 'malformed') return bad('Expecting to find user id, or name and domain, and password');
    const password = field(field(field(identity, 'password'), 'user'), 'password');
    if (!user || password !== user.password) return unauthorized();
    const projectId = this.scopedProject(scope, user);
    if (!projectId) return unauthorized();
    return this.issue(user.id, projectId, ['password'], now, ttlSeconds);
  }

  /** The token behind an `X-Auth-Token`, when it exists and has not expired at `now`. */
  validate(tokenId: unknown, now: number): SimToken | undefined {
    if (typeof tokenId !== 'string') return undefined;
    const token = this.tokens.get(tokenId);
    if (!token) return undefined;
    if (now >= token.expiresAt) {
      this.tokens.delete(tokenId);
      return undefined;
    }
    return token;
  }

  /** The project a token was scoped to, valid or not (to count requests per project). */
  projectOf(tokenId: unknown): string | undefined {
    return typeof tokenId === 'string' ? this.tokens.get(tokenId)?.projectId : undefined;
  }

  /** Revokes every token (as a Keystone key rotation or restart would). */
  expireAll(): void {
    this.tokens.clear();
  }

  userById(id: string): SimUser | undefined {
    return this.users.get(id);
  }

  private findUser(raw: unknown): SimUser | undefined | 'malformed' {
    const id = field(raw, 'id');
    if (typeof id === 'string') return this.users.get(id);
    const name = field(raw, 'name');
    const domain = field(raw, 'domain');
    if (typeof name !== 'string' || domain === undefined) return 'malformed';
    for (const user of this.users.values()) {
      if (user.name === name && matchesDomain(user.domain, domain)) return user;
    }
    return undefined;
  }

  private scopedProject(scope: unknown, user: SimUser): string | undefined {
    if (scope === undefined) return user.projectIds[0];
    const project = field(scope, 'project');
    if (project === undefined) return undefined;
    const id = field(project, 'id');
    const name = field(project, 'name');
    const domain = field(project, 'domain');
    const match = [...this.projects.values()].find((p) =>
      typeof id === 'string'
        ? p.id === id
        : typeof name === 'string' && p.name === name && matchesDomain(p.domain, domain),
    );
    return match && user.projectIds.includes(match.id) ? match.id : undefined;
  }

  private issue(
    userId: string,
    projectId: string,
    methods: string[],
    now: number,
    ttlSeconds: number,
    appCredId?: string,
  ): AuthOutcome {
    const token: SimToken = {
      id: `gAAAAA${randomBytes(36).toString('base64url')}`,
      userId,
      projectId,
      methods,
      issuedAt: now,
      expiresAt: now + Math.round(ttlSeconds * 1000),
      applicationCredentialId: appCredId,
    };
    this.tokens.set(token.id, token);
    const user = this.users.get(userId);
    const project = this.projects.get(projectId);
    if (!user || !project) return unauthorized();
    return { ok: true, token, user, project };
  }
}

function domainOf(name: string | undefined): SimDomain {
  const domainName = name ?? 'Default';
  return { id: domainName === 'Default' ? 'default' : stableHex('domain', domainName), name: domainName };
}

function matchesDomain(domain: SimDomain, raw: unknown): boolean {
  const id = field(raw, 'id');
  const name = field(raw, 'name');
  return (typeof id === 'string' && id === domain.id) || (typeof name === 'string' && name === domain.name);
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function bad(message: string): AuthOutcome {
  return { ok: false, status: 400, message };
}

function unauthorized(): AuthOutcome {
  return { ok: false, status: 401, message: UNAUTHORIZED_MESSAGE };
}
