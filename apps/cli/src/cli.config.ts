import { homedir } from 'node:os';
import type { ProfileSettings } from './cli-profile';
import { usageError } from './exit-codes';

/** Flags that the environment, or a profile of the config file, can stand in for. */
export interface ConnectionFlags {
  url?: string;
  cluster?: string;
  user?: string;
  passwordStdin?: boolean;
  profile?: string;
}

/** Where the API is and who calls it: flags first, then `OSHIFT_*` variables, then the profile. */
export interface Connection {
  baseUrl: string;
  authorization: string;
}

/** The only place the CLI reads its environment. */
export function environment(env: NodeJS.ProcessEnv = process.env) {
  return {
    url: env.OSHIFT_URL,
    cluster: env.OSHIFT_CLUSTER,
    user: env.OSHIFT_USER,
    password: env.OSHIFT_PASSWORD,
    token: env.OSHIFT_TOKEN,
    /** The profile of the config file to use (`--profile` wins). */
    profile: env.OSHIFT_PROFILE,
    /** Where the config file is: https://specifications.freedesktop.org/basedir-spec/latest/ */
    configHome: env.XDG_CONFIG_HOME,
    home: env.HOME || homedir(),
    /** https://no-color.org: any non-empty value turns colour off. */
    noColor: Boolean(env.NO_COLOR),
  };
}

type Environment = ReturnType<typeof environment>;

/**
 * The API's base URL and the `Authorization` header; a missing setting is a usage error naming it. Each setting
 * comes from its flag, else its variable, else the profile. Credentials come whole from one place: a user given
 * by flag or variable, else OSHIFT_TOKEN, else the profile's user, else its token; the password is from stdin
 * (`--password-stdin`), else OSHIFT_PASSWORD, else the profile.
 */
export async function connection(
  flags: ConnectionFlags,
  env: Environment,
  profile: ProfileSettings,
  readPassword: () => Promise<string>,
): Promise<Connection> {
  const url = flags.url || env.url || profile.url;
  if (!url) throw usageError('missing setting: the API URL (--url, OSHIFT_URL or a profile)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--url/OSHIFT_URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw usageError('--url/OSHIFT_URL must be an http:// or https:// URL');
  }
  // Never sent (fetch refuses such a URL) and never shown: credentials go in their own settings.
  if (parsed.username || parsed.password) throw usageError('--url/OSHIFT_URL cannot hold a user or password');
  const baseUrl = parsed.href.replace(/\/+$/, '');

  const bearer = (token: string) => ({ baseUrl, authorization: `Bearer ${token}` });
  let user = flags.user ?? env.user;
  if (!user && env.token && !flags.passwordStdin) return bearer(env.token);
  user ||= profile.user;
  if (!user && profile.token && !flags.passwordStdin) return bearer(profile.token);
  if (!user) throw usageError('missing setting: the user (--user, OSHIFT_USER or a profile), or OSHIFT_TOKEN for SSO');
  if (user.includes(':')) throw usageError('--user/OSHIFT_USER cannot contain ":"');
  const password = flags.passwordStdin ? await readPassword() : env.password || profile.password;
  if (!password) throw usageError('missing setting: the password (OSHIFT_PASSWORD, --password-stdin or a profile)');
  return { baseUrl, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** The cluster the command is about. */
export function clusterOf(flags: ConnectionFlags, env: Environment, profile: ProfileSettings): string {
  const cluster = flags.cluster || env.cluster || profile.cluster;
  if (!cluster) throw usageError('missing setting: the cluster (--cluster, OSHIFT_CLUSTER or a profile)');
  return cluster;
}
