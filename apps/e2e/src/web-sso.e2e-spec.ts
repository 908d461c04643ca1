import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, OidcTestProvider, testOutputDir } from '@oshift/testing';
import { oshift } from './oshift.runner';
import { SystemUnderTest } from './system-under-test';

const AUDIENCE = 'https://self-service.example.test/api';
const WEB_CLIENT = 'oshift-web';

/**
 * SSO for the customers' tools against a real OpenID Connect provider: the web page signs in by the
 * authorization code flow with PKCE (in chromium), and `oshift` takes an access token from OSHIFT_TOKEN.
 */
describe('SSO in the web page and the CLI', () => {
  let provider: OidcTestProvider;
  let system: SystemUnderTest;
  let browser: Browser;
  const shots = testOutputDir('web-sso');

  beforeAll(async () => {
    provider = await OidcTestProvider.start();
    system = await SystemUnderTest.start({
      knobs: { rebootDurationMs: 1000 },
      publishedAtGateway: true,
      gatewayEnv: { OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: AUDIENCE, OIDC_WEB_CLIENT_ID: WEB_CLIENT },
    });
    await provider.addClient({ clientId: WEB_CLIENT, clientSecret: '', redirectUris: [`${system.baseUrl}/`] });
    await provider.addAccount('sso-operator', {
      preferred_username: 'sso-operator',
      groups: [`oshift:${system.clusterId}:read`, `oshift:${system.clusterId}:reboot`],
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    await provider?.stop();
  });

  it('tells the page where SSO signs in, and lets it reach the issuer and nothing else', async () => {
    const config = await (await fetch(`${system.baseUrl}/web-config.json`)).json();
    expect(config).toEqual({ sso: { issuer: provider.issuer, clientId: WEB_CLIENT, audience: AUDIENCE } });
    const page = await fetch(`${system.baseUrl}/`);
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${provider.issuer};`);
  });

  it('signs in with SSO (authorization code + PKCE), then reboots a node to Done', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${system.baseUrl}/`);
    await page.getByRole('button', { name: 'Sign in with SSO' }).click();
    // The provider's own (development) sign-in and consent pages.
    await page.waitForURL((url) => url.href.startsWith(provider.issuer));
    await page.locator('input[name="login"]').fill('sso-operator');
    await page.locator('input[name="password"]').fill('anything');
    await page.screenshot({ path: join(shots, '01-provider-sign-in.png') });
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click(); // consent: "Continue"
    await page.waitForURL(`${system.baseUrl}/`);
    await page.getByText('Signed in as sso:sso-operator').waitFor();
    expect(page.url()).toBe(`${system.baseUrl}/`); // the code and state are gone from the address bar
    await page.screenshot({ path: join(shots, '02-signed-in.png'), fullPage: true });

    await page.getByRole('button', { name: 'Reboot worker-1.openstacklocal' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reboot', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /^Done/ }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(shots, '03-done.png'), fullPage: true });
    const [job] = await system.dataSource.query(
      `SELECT requested_by FROM jobs WHERE target = 'worker-1.openstacklocal' AND cluster_id = $1`,
      [system.clusterId],
    );
    expect(job.requested_by).toBe('sso:sso-operator');
    // Nothing of the sign-in lingers in storage: the token lives in the page's memory only.
    expect(await page.evaluate('JSON.stringify([sessionStorage.length, localStorage.length])')).toBe('[0,0]');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('oshift takes an SSO access token from OSHIFT_TOKEN', async () => {
    const client = {
      clientId: 'ci-pipeline',
      clientSecret: 'ci-pipeline-secret-0123456789',
      claims: { preferred_username: 'ci-pipeline', groups: [`oshift:${system.clusterId}:read`] },
    };
    await provider.addClient(client);
    const env = { OSHIFT_URL: system.baseUrl, OSHIFT_CLUSTER: system.clusterId };
    const token = await provider.token(client, AUDIENCE);
    const me = await oshift(['whoami', '-o', 'json'], { ...env, OSHIFT_TOKEN: token });
    expect([me.code, JSON.parse(me.stdout)]).toEqual([
      0,
      { user: 'sso:ci-pipeline', clusters: [{ id: system.clusterId, roles: ['read'] }] },
    ]);
    const nodes = await oshift(['nodes'], { ...env, OSHIFT_TOKEN: token });
    expect(nodes.code).toBe(0);
    const refused = await oshift(['nodes'], { ...env, OSHIFT_TOKEN: 'not.a.token' });
    expect(refused).toEqual({ code: 4, stdout: '', stderr: 'Unauthorized\n' });
  });
});
