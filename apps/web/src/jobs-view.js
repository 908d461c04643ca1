// @ts-check
// One job's live output (an ARIA log) and its end in plain words; the cluster's recent jobs, each opening its output;
// for a reboot not ended, when the node is expected back (the API's `eta`, learnt from earlier reboots).
import { clusterPath } from './api.js';
import { byId, h, localTime } from './dom.js';
import { followJob } from './job-stream.js';

/** `back in about N s` until an expected end (never below 0). @param {string} eta RFC 3339 */
export const backInAbout = (eta) => `back in about ${Math.max(0, Math.round((Date.parse(eta) - Date.now()) / 1000))} s`;

export class JobsView {
  constructor() {
    this.jobSection = byId('job');
    this.title = byId('job-title');
    this.log = byId('job-log');
    this.end = byId('job-end');
    this.eta = byId('job-eta');
    /** The ETAs of the jobs the list showed last, by job id. @type {Map<string, string>} */
    this.etas = new Map();
    /** @type {string | undefined} */
    this.openJob = undefined;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.etaTimer = undefined;
    this.listSection = byId('jobs');
    this.list = byId('job-list');
    this.listNote = byId('jobs-note');
    /** @type {AbortController | undefined} */
    this.following = undefined;
  }

  /**
   * Shows a job's output live until it ends, then says how it ended.
   * @param {import('./api.js').Api} api
   * @param {string} cluster
   * @param {string} jobId
   * @param {string} [target]
   * @param {string} [notBefore] a scheduled reboot's start (RFC 3339)
   */
  async open(api, cluster, jobId, target, notBefore) {
    this.following?.abort();
    const following = (this.following = new AbortController());
    this.jobSection.hidden = false;
    this.title.textContent = target ? `Reboot of ${target}` : `Job ${jobId}`;
    this.log.replaceChildren();
    this.end.textContent = notBefore ? `Scheduled: starts at ${localTime(notBefore)} or later.` : 'Running…';
    this.end.className = notBefore ? 'state-scheduled' : 'state-running';
    this.openJob = jobId;
    this.showEta();
    clearInterval(this.etaTimer);
    this.etaTimer = setInterval(() => this.showEta(), 1000);
    this.title.focus();
    let started = false;
    try {
      const end = await followJob(api, `${clusterPath(cluster)}/job/${encodeURIComponent(jobId)}`, {
        signal: following.signal,
        onLine: (line) => {
          this.log.append(`${line.text}\n`);
          // The reboot has started (`<node> <STATUS>`): the list now has its expected return.
          if (!started && /^\S+ [A-Z_]+$/.test(line.text)) {
            started = true;
            void this.refreshList(api, cluster);
          }
        },
      });
      this.end.textContent =
        end.state === 'done'
          ? `Done: ${target ?? 'the node'} is back.`
          : `Fail: ${end.errors || 'the reboot did not complete'}`;
      this.end.className = `state-${end.state}`;
      this.stopEta();
      void this.refreshList(api, cluster);
    } catch (error) {
      if (following.signal.aborted) return;
      this.stopEta();
      this.end.textContent = `Lost the job: ${/** @type {Error} */ (error).message}`;
      this.end.className = 'error';
    }
  }

  /**
   * @param {import('./api.js').Api} api
   * @param {string} cluster
   */
  async refreshList(api, cluster) {
    this.listSection.hidden = false;
    try {
      /** @type {import('./api.js').ApiSchema<'JobList'>} */
      const { jobs } = await api.call(`${clusterPath(cluster)}/jobs?limit=20`);
      this.etas = new Map(jobs.flatMap((job) => (job.eta ? [[job.job_id, job.eta]] : [])));
      this.showEta();
      this.list.replaceChildren(
        ...jobs.map((job) =>
          h(
            'li',
            {},
            h(
              'button',
              { type: 'button', onclick: () => void this.open(api, cluster, job.job_id, job.target) },
              `${job.target} · ${job.type} · `,
              h('span', { class: `state-${job.state}` }, job.state),
              ` · ${localTime(job.created_at)}`,
              job.eta ? ` · ${backInAbout(job.eta)}` : '',
            ),
          ),
        ),
      );
      this.listNote.textContent = jobs.length ? '' : 'No jobs yet.';
    } catch (error) {
      this.listNote.textContent = `Could not list the jobs: ${/** @type {Error} */ (error).message}`;
    }
  }

  /** The open job's `back in about N s`, while it runs and has an ETA. */
  showEta() {
    const eta = this.openJob && this.etas.get(this.openJob);
    this.eta.hidden = !eta;
    this.eta.textContent = eta ? `${backInAbout(eta)} (from earlier reboots)` : '';
  }

  stopEta() {
    clearInterval(this.etaTimer);
    this.openJob = undefined;
    this.showEta();
  }

  hide() {
    this.stopEta();
    this.following?.abort();
    this.jobSection.hidden = true;
    this.listSection.hidden = true;
  }
}
