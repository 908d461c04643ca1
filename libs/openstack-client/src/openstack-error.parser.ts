/** Nova's fault names by HTTP status (nova/api/openstack/wsgi.py `Fault._fault_names`); anything else is `computeFault`. */
const FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** The fault name Nova would use for an HTTP status. */
export function faultNameForStatus(status: number): string {
  return FAULT_NAMES[status] ?? 'computeFault';
}

/** What an OpenStack error answer says, reduced to a code and a human message. */
export interface ParsedErrorBody {
  code: string;
  message: string;
  /** The body is Nova's own fault (`{"<faultName>": {"code": …, "message": …}}`): Nova answered, not a proxy. */
  novaFault: boolean;
}

const MAX_MESSAGE = 300;

/**
 * Reads an OpenStack error body:
 * Nova `{"<faultName>": {"code": 404, "message": "..."}}`, Keystone/keystonemiddleware
 * `{"error": {"code": 401, "message": "...", "title": "Unauthorized"}}`, or anything else (plain text, HTML).
 * Keystone-style and unknown bodies get the Nova fault name for the status as their code.
 */
export function parseErrorBody(status: number, body: unknown): ParsedErrorBody {
  const fallback = faultNameForStatus(status);
  if (isRecord(body)) {
    const keys = Object.keys(body);
    if (keys.length === 1) {
      const [name] = keys;
      const inner = body[name];
      if (isRecord(inner) && typeof inner['message'] === 'string') {
        const novaFault = name !== 'error';
        return { code: novaFault ? name : fallback, message: clip(inner['message']), novaFault };
      }
    }
    if (typeof body['message'] === 'string')
      return { code: fallback, message: clip(body['message']), novaFault: false };
  }
  if (typeof body === 'string' && body.trim() !== '' && !body.trimStart().startsWith('<')) {
    return { code: fallback, message: clip(body.trim()), novaFault: false };
  }
  return { code: fallback, message: `HTTP ${status}`, novaFault: false };
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE)}…` : oneLine;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
