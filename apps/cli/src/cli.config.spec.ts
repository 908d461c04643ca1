import { clusterOf, connection, environment } from './cli.config';
import type { ProfileSettings } from './cli-profile';
import { CliError } from './exit-codes';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const noStdin = () => Promise.reject(new Error('stdin not read'));

describe('settings: a flag wins over its variable, a variable over the profile', () => {
  const profile: ProfileSettings = {
    url: 'https://profile.example.com',
    cluster: 'profile-cluster',
    user: 'pat',
    password: 'profile-password',
  };

  it('takes each of url and cluster from the first place that has it', async () => {
    const env = environment({ OSHIFT_URL: 'https://env.example.com', OSHIFT_CLUSTER: 'env-cluster' });
    expect((await connection({ url: 'https://flag.example.com' }, env, profile, noStdin)).baseUrl).toBe(
      'https://flag.example.com',
    );
    expect((await connection({}, env, profile, noStdin)).baseUrl).toBe('https://env.example.com');
    expect((await connection({}, environment({}), profile, noStdin)).baseUrl).toBe('https://profile.example.com');
    expect(clusterOf({ cluster: 'flag-cluster' }, env, profile)).toBe('flag-cluster');
    expect(clusterOf({}, env, profile)).toBe('env-cluster');
    // An empty variable is unset, as shells mean it.
    expect(clusterOf({}, environment({ OSHIFT_CLUSTER: '' }), profile)).toBe('profile-cluster');
  });

  it('takes credentials whole from one place: user flag or variable, OSHIFT_TOKEN, then the profile', async () => {
    const auth = async (env: NodeJS.ProcessEnv, flags = {}, from: ProfileSettings = profile) =>
      (await connection(flags, environment(env), from, noStdin)).authorization;
    expect(await auth({}, {})).toBe(basic('pat', 'profile-password'));
    expect(await auth({ OSHIFT_USER: 'eve', OSHIFT_PASSWORD: 'env-password' })).toBe(basic('eve', 'env-password'));
    expect(await auth({ OSHIFT_PASSWORD: 'env-password' }, { user: 'flo' })).toBe(basic('flo', 'env-password'));
    // The profile's user with the environment's password: each setting from the first place that has it.
    expect(await auth({ OSHIFT_PASSWORD: 'env-password' })).toBe(basic('pat', 'env-password'));
    // OSHIFT_TOKEN wins over the profile's user; a user set by flag or variable wins over it.
    expect(await auth({ OSHIFT_TOKEN: 'env-token' })).toBe('Bearer env-token');
    expect(await auth({ OSHIFT_TOKEN: 'env-token', OSHIFT_USER: 'eve', OSHIFT_PASSWORD: 'p' })).toBe(basic('eve', 'p'));
    expect(await auth({}, {}, { url: profile.url, token: 'profile-token' })).toBe('Bearer profile-token');
  });

  it('names every place a missing setting may come from, and refuses a URL with credentials', async () => {
    const failure = async (promise: Promise<unknown>) => ((await promise.catch((error) => error)) as CliError).message;
    expect(await failure(connection({}, environment({}), {}, noStdin))).toBe(
      'missing setting: the API URL (--url, OSHIFT_URL or a profile)',
    );
    expect(await failure(connection({}, environment({ OSHIFT_URL: 'https://x.example' }), {}, noStdin))).toBe(
      'missing setting: the user (--user, OSHIFT_USER or a profile), or OSHIFT_TOKEN for SSO',
    );
    expect(
      await failure(connection({ user: 'a' }, environment({ OSHIFT_URL: 'https://x.example' }), {}, noStdin)),
    ).toBe('missing setting: the password (OSHIFT_PASSWORD, --password-stdin or a profile)');
    expect(await failure(connection({ url: 'https://a:b@x.example' }, environment({}), profile, noStdin))).toBe(
      '--url/OSHIFT_URL cannot hold a user or password',
    );
    expect(() => clusterOf({}, environment({}), {})).toThrow(
      'missing setting: the cluster (--cluster, OSHIFT_CLUSTER or a profile)',
    );
  });
});
