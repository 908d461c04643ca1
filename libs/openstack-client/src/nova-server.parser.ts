import { OpenStackError } from './openstack.errors';
import type { NextPageQuery, NovaInstanceAction, NovaServer } from './nova.types';

/** Maps one raw Nova server object (any microversion) to a {@link NovaServer}. */
export function parseServer(raw: unknown): NovaServer {
  if (!isRecord(raw)) throw invalid('server is not an object');
  const { id, name, status } = raw;
  if (typeof id !== 'string' || id === '') throw invalid('server has no id');
  if (typeof name !== 'string') throw invalid(`server ${id} has no name`);
  if (typeof status !== 'string') throw invalid(`server ${id} has no status`);
  const power = raw['OS-EXT-STS:power_state'];
  const server: NovaServer = {
    id,
    name,
    status,
    taskState: stringOrNull(raw['OS-EXT-STS:task_state']),
    vmState: stringOrNull(raw['OS-EXT-STS:vm_state']),
    powerState: typeof power === 'number' ? power : null,
  };
  if (typeof raw['updated'] === 'string') server.updated = raw['updated'];
  const fault = raw['fault'];
  if (isRecord(fault) && typeof fault['message'] === 'string') {
    server.fault = { code: typeof fault['code'] === 'number' ? fault['code'] : 0, message: fault['message'] };
  }
  return server;
}

/** Parses `{"server": {...}}` (GET /servers/{id}). */
export function parseServerBody(body: unknown): NovaServer {
  if (!isRecord(body) || !('server' in body)) throw invalid('answer has no "server" object');
  return parseServer(body['server']);
}

/** One page of `GET /servers/detail`: its servers and, when Nova gave a `next` link, the query of the next page. */
export interface ServerDetailPage {
  servers: NovaServer[];
  next: NextPageQuery | null;
}

/** Parses `{"servers": [...], "servers_links": [...]}`. */
export function parseServerDetailPage(body: unknown): ServerDetailPage {
  if (!isRecord(body) || !Array.isArray(body['servers'])) throw invalid('answer has no "servers" list');
  return { servers: body['servers'].map(parseServer), next: nextPageQuery(body['servers_links']) };
}

/**
 * The query string of the `rel: next` link of a Nova collection (`servers_links`), as key/value pairs.
 * Only the query is kept: callers resend it to the catalog's endpoint, because Nova builds link hosts from
 * its own configuration (`osapi_compute_link_prefix`), which is often wrong behind proxies.
 */
export function nextPageQuery(links: unknown): NextPageQuery | null {
  if (!Array.isArray(links)) return null;
  const next = links.find((link) => isRecord(link) && link['rel'] === 'next' && typeof link['href'] === 'string');
  if (!next) return null;
  let url: URL;
  try {
    url = new URL(String(next['href']), 'http://relative.invalid');
  } catch {
    return null;
  }
  const query: NextPageQuery = {};
  url.searchParams.forEach((value, key) => {
    query[key] = value;
  });
  return query.marker ? query : null;
}

/** Parses `{"instanceActions": [...]}` (GET /servers/{id}/os-instance-actions). */
export function parseInstanceActions(body: unknown): NovaInstanceAction[] {
  if (!isRecord(body) || !Array.isArray(body['instanceActions'])) throw invalid('answer has no "instanceActions" list');
  return body['instanceActions'].map(parseInstanceAction);
}

/** Maps one raw instance action (list entry, or the `instanceAction` of GET .../os-instance-actions/{req}). */
export function parseInstanceAction(raw: unknown): NovaInstanceAction {
  if (!isRecord(raw)) throw invalid('instance action is not an object');
  const { action, instance_uuid: instanceUuid, request_id: requestId, start_time: startTime } = raw;
  if (typeof action !== 'string' || typeof instanceUuid !== 'string' || typeof requestId !== 'string') {
    throw invalid('instance action lacks action, instance_uuid or request_id');
  }
  const parsed: NovaInstanceAction = {
    action,
    instanceUuid,
    requestId,
    startTime: typeof startTime === 'string' ? startTime : '',
    userId: stringOrNull(raw['user_id']),
    projectId: stringOrNull(raw['project_id']),
    message: stringOrNull(raw['message']),
  };
  if (typeof raw['updated_at'] === 'string') parsed.updatedAt = raw['updated_at'];
  return parsed;
}

function invalid(message: string): OpenStackError {
  return new OpenStackError(`unexpected Nova answer: ${message}`, 0, 'invalidResponse');
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
