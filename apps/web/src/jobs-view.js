// @ts-check
// One job's live output (an ARIA log) and its end in plain words; the cluster's recent jobs, each opening its output.
import { clusterPath } from './api.js';
import { byId, h, localTime } from './dom.js';
import { followJob } from './job-stream.js';

export class JobsView {
  constructor() {
    this.jobSection = byId('job');
    this.title = byId('job-title');
    this.log = byId('job-log');
    this.end = byId('job-end');
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
   */
  async open(api, cluster, jobId, target) {
    this.following?.abort();
    const following = (this.following = new AbortController());
    this.jobSection.hidden = false;
    this.title.textContent = target ? `Reboot of ${target}` : `Job ${jobId}`;
    this.log.replaceChildren();
    this.end.textContent = 'Running…';
    this.end.className = 'state-running';
    this.title.focus();
    try {
      const end = await followJob(api, `${clusterPath(cluster)}/job/${encodeURIComponent(jobId)}`, {
        signal: following.signal,
        onLine: (line) => this.log.append(`${line.text}\n`),
      });
      this.end.textContent =
        end.state === 'done'
          ? `Done: ${target ?? 'the node'} is back.`
          : `Fail: ${end.errors || 'the reboot did not complete'}`;
      this.end.className = `state-${end.state}`;
      void this.refreshList(api, cluster);
    } catch (error) {
      if (following.signal.aborted) return;
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
      /** @type {{ jobs: { job_id: string, target: string, type: string, state: string, created_at: string }[] }} */
      const { jobs } = await api.call(`${clusterPath(cluster)}/jobs?limit=20`);
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
            ),
          ),
        ),
      );
      this.listNote.textContent = jobs.length ? '' : 'No jobs yet.';
    } catch (error) {
      this.listNote.textContent = `Could not list the jobs: ${/** @type {Error} */ (error).message}`;
    }
  }

  hide() {
    this.following?.abort();
    this.jobSection.hidden = true;
    this.listSection.hidden = true;
  }
}
