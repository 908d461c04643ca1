// The patch formats a Kubernetes API server accepts on PATCH, applied to an object's JSON: JSON Patch (RFC 6902),
// JSON Merge Patch (RFC 7386) and strategic merge patch (a merge patch with `$`-directives; the fields the
// simulator lets change are plain maps and scalars, where both merge the same way).

/** The media types of PATCH, as the API server names them in its 415 answer. */
export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;

/** A patch the API server refuses, with the status it answers. */
export class PatchError extends Error {
  constructor(
    readonly code: 400 | 422,
    message: string,
  ) {
    super(message);
  }
}

type Json = unknown;
const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Applies a patch of media type `type` to a copy of `target`. */
export function applyPatch(type: (typeof PATCH_TYPES)[number], target: Json, patch: Json): Json {
  if (type === 'application/json-patch+json') return jsonPatch(target, patch);
  if (!isObject(patch)) throw new PatchError(400, 'the body of the request was in an unknown format');
  return mergePatch(target, patch, type === 'application/strategic-merge-patch+json');
}

function mergePatch(target: Json, patch: Json, strategic: boolean): Json {
  if (!isObject(patch)) return patch;
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (strategic && key.startsWith('$')) continue;
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value, strategic);
  }
  return out;
}

function jsonPatch(target: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw new PatchError(400, 'the body of the request was in an unknown format');
  let doc = structuredClone(target);
  for (const operation of operations) {
    if (!isObject(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string')
      throw new PatchError(422, 'invalid JSON Patch operation');
    doc = applyOperation(doc, operation.op, operation.path, operation.value);
  }
  return doc;
}

function applyOperation(doc: Json, op: string, path: string, value: Json): Json {
  if (path === '') {
    if (op === 'add' || op === 'replace') return value;
    throw new PatchError(422, `${op} operation does not apply to the whole document`);
  }
  const keys = path
    .split('/')
    .slice(1)
    .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = keys.pop() as string;
  let parent: Json = doc;
  for (const key of keys) {
    parent = isObject(parent) ? parent[key] : Array.isArray(parent) ? parent[Number(key)] : undefined;
    if (parent === undefined)
      throw new PatchError(422, `${op} operation does not apply: doc is missing path: ${path}: missing value`);
  }
  const container = parent as Record<string, Json> | Json[];
  const has = Array.isArray(container) ? Number(last) < container.length : last in container;
  switch (op) {
    case 'add':
      if (Array.isArray(container)) container.splice(last === '-' ? container.length : Number(last), 0, value);
      else container[last] = value;
      return doc;
    case 'replace':
    case 'remove':
    case 'test':
      if (!has) throw new PatchError(422, `${op} operation does not apply: doc is missing key: ${path}: missing value`);
      if (op === 'test') {
        const current = Array.isArray(container) ? container[Number(last)] : container[last];
        if (JSON.stringify(current) !== JSON.stringify(value))
          throw new PatchError(422, `testing value ${path} failed: test failed`);
      } else if (Array.isArray(container)) {
        if (op === 'remove') container.splice(Number(last), 1);
        else container[Number(last)] = value;
      } else if (op === 'remove') delete container[last];
      else container[last] = value;
      return doc;
    default:
      throw new PatchError(422, `Unexpected kind: ${op}`);
  }
}
