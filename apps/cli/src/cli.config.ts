import { usageError } from './exit-codes';

/** Flags that the environment can stand in for. */
export interface ConnectionFlags {
  url?: string;
  cluster?: string;
  user?: string;
  passwordStdin?: boolean;
}

/** Where the API is and who calls it: flags first, then `OSHIFT_*` variables. */
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
    /** https://no-color.org: any non-empty value turns colour off. */
    noColor: Boolean(env.NO_COLOR),
  };
}

type Environment = ReturnType<typeof environment>;

/** The API's base URL and the `Authorization` header; a missing setting is a usage error naming it. */
export async function connection(
  flags: ConnectionFlags,
  env: Environment,
  readPassword: () => Promise<string>,
): Promise<Connection> {
  const url = flags.url ?? env.url;
  if (!url) throw usageError('missing setting: the API URL (--url or OSHIFT_URL)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--url/OSHIFT_URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw usageError('--url/OSHIFT_URL must be an http:// or https:// URL');
  }
  const baseUrl = parsed.href.replace(/\/+$/, '');

  const user = flags.user ?? env.user;
  if (!user && env.token && !flags.passwordStdin) return { baseUrl, authorization: `Bearer ${env.token}` };
  if (!user) throw usageError('missing setting: the user (--user or OSHIFT_USER), or OSHIFT_TOKEN for SSO');
  if (user.includes(':')) throw usageError('--user/OSHIFT_USER cannot contain ":"');
  const password = flags.passwordStdin ? await readPassword() : env.password;
  if (!password) throw usageError('missing setting: the password (OSHIFT_PASSWORD or --password-stdin)');
  return { baseUrl, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** The cluster the command is about. */
export function clusterOf(flags: ConnectionFlags, env: Environment): string {
  const cluster = flags.cluster ?? env.cluster;
  if (!cluster) throw usageError('missing setting: the cluster (--cluster or OSHIFT_CLUSTER)');
  return cluster;
}
