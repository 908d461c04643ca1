// @ts-check
// The little DOM help the page needs: look up an element by id, build one, and format times.

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return /** @type {T} */ (element);
}

/**
 * An element with attributes (`on…` functions become listeners) and children (text is escaped by the DOM).
 * @param {string} tag
 * @param {Record<string, unknown>} [attributes]
 * @param {(Node | string)[]} children
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('on') && typeof value === 'function')
      element.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    else if (value !== undefined && value !== false) element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children);
  return element;
}

/** @param {string | null | undefined} iso an RFC 3339 time, shown in the reader's local time */
export const localTime = (iso) => (iso ? new Date(iso).toLocaleString() : '');
