// The API's request and response types, named as docs/openapi.json names them. api-types.d.ts is generated from
// that document (npm run openapi:types; CI fails when the two drift apart): types only, nothing at run time.
import type { components, operations } from './api-types';

/** A shape the API answers with, e.g. `ApiSchema<'Job'>`. */
export type ApiSchema<Name extends keyof components['schemas']> = components['schemas'][Name];

/** The JSON body an operation takes, e.g. `RequestBody<'rebootNode'>`. */
export type RequestBody<Operation extends keyof operations> =
  NonNullable<operations[Operation]['requestBody']> extends { content: { 'application/json': infer Body } }
    ? Body
    : never;

/** The query parameters an operation reads, e.g. `QueryOf<'listJobs'>`. */
export type QueryOf<Operation extends keyof operations> = NonNullable<operations[Operation]['parameters']['query']>;
