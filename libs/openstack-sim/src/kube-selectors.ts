// Label and field selectors of list requests (`?labelSelector=` and `?fieldSelector=`), as the API server parses them.

/** One requirement of a selector. */
interface Requirement {
  key: string;
  op: '=' | '!=' | 'exists' | '!exists';
  value: string;
}

/** A selector the API server refuses (400 BadRequest). */
export class SelectorError extends Error {}

/** Parses a field selector: `key=value`, `key==value` and `key!=value`, comma-separated. */
export function parseFieldSelector(raw: string | undefined, supported: readonly string[]): Requirement[] {
  const requirements = parse(raw, false);
  for (const { key } of requirements)
    if (!supported.includes(key)) throw new SelectorError(`field label not supported: ${key}`);
  return requirements;
}

/** Parses a label selector's equality-based requirements: `k=v`, `k==v`, `k!=v`, `k` and `!k`. */
export function parseLabelSelector(raw: string | undefined): Requirement[] {
  return parse(raw, true);
}

/** Whether `fields` (a flat map of the object's field or label values) meets every requirement. */
export function meets(requirements: readonly Requirement[], fields: Record<string, string | undefined>): boolean {
  return requirements.every(({ key, op, value }) => {
    const actual = fields[key];
    if (op === 'exists') return actual !== undefined;
    if (op === '!exists') return actual === undefined;
    return op === '=' ? actual === value : actual !== value;
  });
}

function parse(raw: string | undefined, labels: boolean): Requirement[] {
  if (!raw) return [];
  return raw.split(',').map((term) => {
    const match = /^\s*([^!=\s]+)\s*(==|=|!=)\s*([^=\s]*)\s*$/.exec(term);
    if (match) return { key: match[1], op: match[2] === '!=' ? '!=' : '=', value: match[3] };
    const exists = /^\s*(!?)([A-Za-z0-9./_-]+)\s*$/.exec(term);
    if (labels && exists) return { key: exists[2], op: exists[1] ? '!exists' : 'exists', value: '' };
    throw new SelectorError(`invalid selector: '${raw}'; can't understand '${term}'`);
  });
}
