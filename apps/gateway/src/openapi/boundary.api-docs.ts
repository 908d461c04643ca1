import type { OpenAPIObject } from '@nestjs/swagger';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Responses = Operation['responses'];
interface ResponseObject {
  description: string;
  content?: Record<string, unknown>;
}

const STATE_CHANGING = ['post', 'put', 'patch', 'delete'] as const;
const ERROR_BODY = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

/** What the whole API answers the same way, as one global hook decides it: said once here, for every operation. */
export const BOUNDARY_DESCRIPTION =
  'Every answer carries `X-Request-ID` (the server’s id of the request; a client’s own valid `X-Request-ID` is ' +
  'recorded beside it as `client_request_id`), `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`, and ' +
  '`Strict-Transport-Security` when the service is published over https.';

const CROSS_SITE: ResponseObject = {
  description:
    'Sent by a page of another site (`Sec-Fetch-Site` other than `same-origin` or `none`, or an `Origin` other ' +
    'than the service’s): `{"error": "Cross-site request refused"}`, before anything else is checked',
  content: ERROR_BODY,
};

/**
 * Adds to every operation what the gateway's global checks answer: the 403 of a cross-site request on the calls
 * that change state, and the 400 of a query parameter the call does not read (any at all on those calls).
 */
export function documentBoundary(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', ...STATE_CHANGING] as const) {
      const operation: Operation | undefined = item[method];
      if (!operation) continue;
      const changesState = method !== 'get';
      const badRequest = operation.responses['400'] as ResponseObject | undefined;
      // A read that takes a query documents its unknown parameters itself (job, jobs).
      if (changesState && badRequest) {
        const description = `${badRequest.description}; so is any query parameter (this call reads none)`;
        operation.responses['400'] = { ...badRequest, description } as Responses[string];
      } else if (!badRequest) {
        const description = changesState ? 'Any query parameter (this call reads none)' : 'An unknown query parameter';
        operation.responses['400'] = { description, content: ERROR_BODY } as Responses[string];
      }
      if (changesState) operation.responses['403'] = CROSS_SITE as Responses[string];
      operation.responses = sortedByStatus(operation.responses);
    }
  }
  return document;
}

function sortedByStatus(responses: Responses): Responses {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))) as Responses;
}
