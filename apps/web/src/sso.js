// @ts-check
// SSO sign-in: the OAuth 2.0 authorization code flow with PKCE (S256) against the gateway's OIDC issuer.
// Only the verifier and state wait in sessionStorage across the redirect; the access token stays in memory.

/** @typedef {{ issuer: string, clientId: string, audience: string }} SsoSettings */

const PENDING = 'oshift-sso-pending';

const base64url = (/** @type {Uint8Array} */ bytes) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const redirectUri = () => `${location.origin}/`;

/** @param {SsoSettings} sso */
async function discover(sso) {
  const response = await fetch(`${sso.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error('the sign-in service cannot be reached');
  return /** @type {{ authorization_endpoint: string, token_endpoint: string }} */ (await response.json());
}

/**
 * Leaves for the identity provider's sign-in page.
 * @param {SsoSettings} sso
 */
export async function startSso(sso) {
  const { authorization_endpoint: endpoint } = await discover(sso);
  const verifier = randomText();
  const state = randomText();
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const url = new URL(endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: sso.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid',
    resource: sso.audience,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
}

/**
 * Back from the provider (`?code=…&state=…`): trades the code for an access token; null when this page
 * load is not such a return. The query is removed from the address bar either way.
 * @param {SsoSettings} sso
 * @returns {Promise<string | null>}
 */
export async function finishSso(sso) {
  const query = new URLSearchParams(location.search);
  const pending = sessionStorage.getItem(PENDING);
  if (!query.has('state') || !pending) return null;
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', '/');
  const { verifier, state } = JSON.parse(pending);
  if (query.get('state') !== state) throw new Error('the sign-in answer does not match this page; sign in again');
  if (query.get('error')) throw new Error(`sign-in refused: ${query.get('error_description') ?? query.get('error')}`);
  const { token_endpoint: endpoint } = await discover(sso);
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: query.get('code') ?? '',
      redirect_uri: redirectUri(),
      client_id: sso.clientId,
      code_verifier: verifier,
      resource: sso.audience,
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.access_token)
    throw new Error(`sign-in failed: ${body.error_description ?? body.error ?? response.status}`);
  return body.access_token;
}
