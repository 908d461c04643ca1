// @ts-check
// The node table of the chosen cluster, refreshed every few seconds, with a `Reboot <node>` button per row
// for users holding the reboot role, behind a confirmation dialog (SOFT, or HARD as an option) that also offers
// "Reboot later…" (a time picker); and the cluster's maintenance windows, when the API has them. On a cluster
// connected to its Kubernetes API, Ready and Schedulable columns say what the cluster itself says of each node.
import { clusterPath } from './api.js';
import { byId, h } from './dom.js';
import { describeWindow, RebootLaterDialog } from './reboot-later.js';

const REFRESH_MS = 3000;

/**
 * One VM as nodestatus answers it; `ready`/`schedulable` only on a connected cluster (null: no node, or unknown).
 * @typedef {import('./api.js').ApiSchema<'NodeStatus'>} NodeStatus
 */

export class NodesView {
  /**
   * @param {{ reboot: (node: string, type: 'SOFT' | 'HARD', notBefore?: string) => Promise<void> }} actions
   */
  constructor(actions) {
    this.actions = actions;
    this.later = new RebootLaterDialog();
    this.windows = byId('windows');
    this.windowList = byId('window-list');
    this.section = byId('nodes');
    this.rows = byId('node-rows');
    this.note = byId('nodes-note');
    /** @type {HTMLDialogElement} */
    this.dialog = byId('confirm');
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.timer = undefined;
  }

  /**
   * Shows the cluster's nodes and keeps them fresh until {@link stop}.
   * @param {import('./api.js').Api} api
   * @param {string} cluster
   * @param {boolean} mayReboot
   */
  show(api, cluster, mayReboot) {
    this.stop();
    Object.assign(this, { api, cluster, mayReboot });
    this.section.hidden = false;
    this.rows.replaceChildren();
    void this.refresh();
    void this.showWindows();
    this.timer = setInterval(() => document.hidden || void this.refresh(), REFRESH_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.section.hidden = true;
  }

  async refresh() {
    const { api, cluster } = /** @type {any} */ (this);
    try {
      /** @type {NodeStatus[]} */
      const nodes = await api.call(`${clusterPath(cluster)}/nodestatus`);
      if (cluster !== /** @type {any} */ (this).cluster) return; // the user switched clusters meanwhile
      this.render(nodes);
      this.note.textContent = `Updated ${new Date().toLocaleTimeString()}; refreshed every ${REFRESH_MS / 1000} s.`;
    } catch (error) {
      this.note.textContent = `Could not refresh the nodes: ${/** @type {Error} */ (error).message}`;
    }
  }

  /**
   * The cluster's maintenance windows (`GET …/policy`); the block stays hidden when there are none, or when this
   * API does not have the call (404) or cannot answer it now.
   */
  async showWindows() {
    const { api, cluster } = /** @type {any} */ (this);
    this.windows.hidden = true;
    this.later.setWindows([]);
    /** @type {unknown[]} */
    let windows = [];
    try {
      const policy = await api.call(`${clusterPath(cluster)}/policy`);
      windows = Array.isArray(policy?.windows) ? policy.windows : [];
    } catch {
      return;
    }
    if (cluster !== /** @type {any} */ (this).cluster || windows.length === 0) return;
    const texts = windows.map(describeWindow);
    this.windowList.replaceChildren(...texts.map((text) => h('li', {}, text)));
    this.later.setWindows(texts);
    this.windows.hidden = false;
  }

  /** @param {NodeStatus[]} nodes */
  render(nodes) {
    // The cluster's own view of its nodes is there only when it is connected to its Kubernetes API.
    const connected = nodes.some((node) => 'ready' in node);
    for (const header of this.section.querySelectorAll('th.kube'))
      /** @type {HTMLElement} */ (header).hidden = !connected;
    // Rows are updated in place, so a focused button keeps its focus across refreshes.
    const existing = new Map(
      [...this.rows.children].map((row) => [/** @type {HTMLElement} */ (row).dataset.node, row]),
    );
    const rows = nodes.map(({ nodename, status, ready, schedulable }) => {
      const row = existing.get(nodename) ?? this.row(nodename);
      const [, cell, readyCell, schedulableCell] = /** @type {HTMLElement[]} */ ([...row.children]);
      cell.textContent = status;
      cell.className = `status-${status}`;
      for (const [kubeCell, value] of /** @type {[HTMLElement, boolean | null | undefined][]} */ ([
        [readyCell, ready],
        [schedulableCell, schedulable],
      ])) {
        kubeCell.hidden = !connected;
        kubeCell.textContent = value === true ? 'Yes' : value === false ? 'No' : '—';
      }
      return row;
    });
    if (rows.some((row, index) => this.rows.children[index] !== row) || rows.length !== this.rows.children.length) {
      this.rows.replaceChildren(...rows);
    }
  }

  /** @param {string} node */
  row(node) {
    const action = /** @type {any} */ (this).mayReboot
      ? h(
          'button',
          { type: 'button', class: 'danger', 'aria-label': `Reboot ${node}`, onclick: () => this.confirm(node) },
          'Reboot',
        )
      : '';
    return h(
      'tr',
      { 'data-node': node },
      h('td', {}, node),
      h('td'),
      h('td', { class: 'kube' }),
      h('td', { class: 'kube' }),
      h('td', {}, action),
    );
  }

  /** @param {string} node */
  confirm(node) {
    const form = /** @type {HTMLFormElement} */ (this.dialog.querySelector('form'));
    form.reset();
    byId('confirm-title').textContent = `Reboot ${node}?`;
    this.dialog.returnValue = '';
    this.dialog.addEventListener(
      'close',
      () => {
        const type = /** @type {RadioNodeList} */ (form.elements.namedItem('type')).value === 'HARD' ? 'HARD' : 'SOFT';
        if (this.dialog.returnValue === 'reboot') void this.actions.reboot(node, type);
        if (this.dialog.returnValue === 'later')
          this.later.open(node, (notBefore) => void this.actions.reboot(node, type, notBefore));
      },
      { once: true },
    );
    this.dialog.showModal();
  }
}
