import { SetMetadata } from '@nestjs/common';

export const QUERY_PARAMETERS = 'oshift:query-parameters';
/** A route that takes whatever query it is given (the web page: the SSO callback's `code` and `state`). */
export const ANY_QUERY = 'any';

/**
 * The query parameters a route reads. Every other one is a 400 that names it, and nothing happens: a route
 * without this decorator (every `POST` and `DELETE`) takes none, so `?dry_run=true` can never be ignored.
 */
export const QueryParameters = (...names: string[]): MethodDecorator => SetMetadata(QUERY_PARAMETERS, names);

/** The route reads no query and ignores any it is given: only for the web page's own files. */
export const AnyQueryParameters = (): ClassDecorator & MethodDecorator => SetMetadata(QUERY_PARAMETERS, ANY_QUERY);
