// @ts-check
// "Reboot later…": a time picker in the reader's local time, sent to the API as `not_before` in RFC 3339 UTC.
import { byId } from './dom.js';

/** Two digits. @param {number} value */
const two = (value) => String(value).padStart(2, '0');

/**
 * A local time as a `datetime-local` input holds it (`YYYY-MM-DDTHH:MM`).
 * @param {Date} date
 */
export function localInputValue(date) {
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}:${two(date.getMinutes())}`;
}

/**
 * A `datetime-local` value (the reader's local time) as RFC 3339 UTC, or null when it is not a time.
 * @param {string} value
 */
export function notBeforeOf(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return null;
  const date = new Date(value); // a date-time without an offset is local time
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * A maintenance window as the policy answer gives it: its text, or the fields of an object.
 * @param {unknown} window
 */
export function describeWindow(window) {
  if (typeof window === 'string') return window;
  const fields = /** @type {Record<string, unknown>} */ (window ?? {});
  const text = fields.text ?? fields.window ?? fields.spec ?? fields.description;
  if (typeof text === 'string') return text;
  return [
    fields.days,
    fields.start && fields.end ? `${fields.start}-${fields.end}` : '',
    fields.time_zone ?? fields.zone,
  ]
    .filter((part) => typeof part === 'string' && part)
    .join(' ');
}

export class RebootLaterDialog {
  constructor() {
    /** @type {HTMLDialogElement} */
    this.dialog = byId('schedule');
    /** @type {HTMLInputElement} */
    this.input = byId('not-before');
    this.title = byId('schedule-title');
    this.windows = byId('schedule-windows');
    this.error = byId('schedule-error');
    /** @type {((notBefore: string) => void) | undefined} */
    this.onSchedule = undefined;
    /** @type {HTMLFormElement} */ (this.dialog.querySelector('form')).addEventListener('submit', (event) => {
      const submitter = /** @type {HTMLButtonElement | null} */ (/** @type {SubmitEvent} */ (event).submitter);
      if (submitter?.value !== 'schedule') return;
      const notBefore = notBeforeOf(this.input.value);
      if (notBefore && Date.parse(notBefore) > Date.now()) return;
      event.preventDefault();
      this.error.textContent = 'Pick a time in the future.';
    });
    this.dialog.addEventListener('close', () => {
      if (this.dialog.returnValue !== 'schedule') return;
      const notBefore = notBeforeOf(this.input.value);
      if (notBefore) this.onSchedule?.(notBefore);
    });
  }

  /** @param {string[]} windows the cluster's maintenance windows, in words */
  setWindows(windows) {
    this.windows.textContent = windows.length ? `Maintenance windows: ${windows.join('; ')}.` : '';
    this.windows.hidden = windows.length === 0;
  }

  /**
   * Asks when to reboot `node`, an hour from now by default; `onSchedule` gets the time as RFC 3339 UTC.
   * @param {string} node
   * @param {(notBefore: string) => void} onSchedule
   */
  open(node, onSchedule) {
    this.onSchedule = onSchedule;
    this.title.textContent = `Reboot ${node} later`;
    this.error.textContent = '';
    const now = new Date();
    this.input.min = localInputValue(now);
    this.input.value = localInputValue(new Date(now.getTime() + 60 * 60 * 1000));
    this.dialog.returnValue = '';
    this.dialog.showModal();
  }
}
