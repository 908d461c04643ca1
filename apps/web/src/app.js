// @ts-check
// The self-service page: sign in (password or SSO), pick a cluster, see its nodes, reboot one and watch the job.
import { Api, ApiError, clusterPath } from './api.js';
import { byId, h } from './dom.js';
import { JobsView } from './jobs-view.js';
import { NodesView } from './nodes-view.js';
import { finishSso, startSso } from './sso.js';

/** @typedef {import('./api.js').ApiSchema<'Me'>} Me */

const signInSection = byId('sign-in');
const signInError = byId('sign-in-error');
const session = byId('session');
/** @type {HTMLSelectElement} */
const clusterPicker = byId('cluster');
const jobs = new JobsView();
const nodes = new NodesView({ reboot: (node, type, notBefore) => reboot(node, type, notBefore) });

/** @type {{ api: Api, me: Me } | undefined} */
let current;

/** What a refused sign-in says, in words. @param {unknown} error */
function signInProblem(error) {
  if (!(error instanceof ApiError)) return /** @type {Error} */ (error).message;
  if (error.status === 401) return 'Wrong username or password.';
  if (error.status === 429)
    return `Too many failed sign-ins; try again in ${error.headers?.get('retry-after') ?? 'a few'} seconds.`;
  return error.message;
}

/** Checks the credentials with `/api/me`, then shows the first cluster. @param {Api} api */
async function signIn(api) {
  signInError.textContent = '';
  try {
    /** @type {Me} */
    const me = await api.call('/api/me');
    current = { api, me };
  } catch (error) {
    signInError.textContent = signInProblem(error);
    return;
  }
  signInSection.hidden = true;
  session.hidden = false;
  byId('whoami').textContent = `Signed in as ${current.me.user}`;
  clusterPicker.replaceChildren(
    ...current.me.clusters.map((cluster) => h('option', { value: cluster.id }, cluster.id)),
  );
  if (current.me.clusters.length === 0) signInError.textContent = 'No cluster is granted to you.';
  showCluster();
}

function showCluster() {
  if (!current) return;
  const cluster = current.me.clusters.find((entry) => entry.id === clusterPicker.value);
  jobs.hide();
  if (!cluster) return nodes.stop();
  nodes.show(current.api, cluster.id, cluster.roles.includes('reboot'));
  void jobs.refreshList(current.api, cluster.id);
}

/**
 * Reboots a node now, or from `notBefore` (RFC 3339 UTC: the job is `scheduled` until then).
 * @param {string} node @param {'SOFT' | 'HARD'} type @param {string} [notBefore]
 */
async function reboot(node, type, notBefore) {
  if (!current) return;
  const { api } = current;
  const cluster = clusterPicker.value;
  /** @type {import('./api.js').RequestBody<'rebootNode'>} */
  const body = { target: node };
  if (type === 'HARD') body.type = type;
  if (notBefore) body.not_before = notBefore;
  try {
    /** @type {import('./api.js').ApiSchema<'RebootStarted'>} */
    const started = await api.call(`${clusterPath(cluster)}/reboot`, {
      method: 'POST',
      body,
      headers: { 'idempotency-key': crypto.randomUUID() },
    });
    void nodes.refresh();
    void jobs.refreshList(api, cluster);
    await jobs.open(api, cluster, started.job_id, node, started.state === 'scheduled' ? notBefore : undefined);
    void nodes.refresh(); // the node is back: show it at once
  } catch (error) {
    const running = error instanceof ApiError && error.status === 409 ? error.body.job_id : undefined;
    if (typeof running === 'string') return jobs.open(api, cluster, running, node);
    nodes.note.textContent = `Reboot of ${node} refused: ${/** @type {Error} */ (error).message}`;
  }
}

function signOut() {
  current = undefined;
  nodes.stop();
  jobs.hide();
  session.hidden = true;
  signInSection.hidden = false;
  /** @type {HTMLFormElement} */ (byId('sign-in-form')).reset();
}

byId('sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
  void signIn(Api.basic(String(form.get('username')), String(form.get('password'))));
});
// The form works only through the script (it never submits itself): usable once the handler above is in place.
/** @type {HTMLButtonElement} */ (byId('sign-in-submit')).disabled = false;
byId('sign-out').addEventListener('click', signOut);
clusterPicker.addEventListener('change', showCluster);

// SSO is offered when the gateway has an OpenID Connect issuer and a client id for this page.
void fetch('/web-config.json')
  .then((response) => response.json())
  .then(async (/** @type {{ sso: import('./sso.js').SsoSettings | null }} */ config) => {
    const sso = config.sso;
    if (!sso) return;
    byId('sso').hidden = false;
    byId('sso-sign-in').addEventListener('click', () =>
      startSso(sso).catch((error) => (signInError.textContent = error.message)),
    );
    const token = await finishSso(sso).catch((error) => ((signInError.textContent = error.message), null));
    if (token) await signIn(new Api(`Bearer ${token}`));
  });
