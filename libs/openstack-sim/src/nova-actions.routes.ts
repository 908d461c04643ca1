import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ActionContext, NovaInstance, RebootDecision } from './nova-instance.model';
import { atLeast } from './nova-microversion';
import { snapshotUploadAt } from './nova-tasks';
import { admit, novaFault, type NovaDeps } from './nova-admit';
import type { SimToken } from './sim-identity';
import type { SimActionFault } from './sim.types';

/**
 * `POST /compute/v2.1/servers/{id}/action` as Nova answers it for `reboot`, `lock`, `unlock`, `createImage`,
 * `os-stop` and `os-start` (nova/api/openstack/compute/servers.py and lock_server.py over nova/compute/api.py):
 * body validation (400), the server (404), then the lock and state checks (409). The `actionDelayMs` knob applies
 * the action after a delay whether or not the client still waits.
 */

const REBOOT_TYPES = ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'];

/** What an action handler gets. */
interface ActionCall {
  instance: NovaInstance;
  token: SimToken;
  value: unknown;
  request: FastifyRequest;
  reply: FastifyReply;
  by: ActionContext;
  now: number;
}

type Handler = (deps: NovaDeps, call: ActionCall) => FastifyReply;

const HANDLERS: Record<string, Handler> = {
  reboot: (deps, { instance, value, reply, by, now }) => {
    const type = rebootType(value);
    if (!type) return invalidRebootType(reply, value);
    const decision = instance.requestReboot(type, now, deps.cloud.knobsFor(instance.id), by);
    deps.cloud.counters.reboot(instance.id, type, decision.accepted ? 'accepted' : 'refused');
    if (decision.accepted) deps.cloud.cluster(instance.projectId)?.rebootAccepted(instance, now);
    return answer(reply, decision, 'reboot', instance.id);
  },
  'os-stop': (deps, { instance, reply, by, now }) =>
    answer(reply, instance.requestPower('stop', now, deps.cloud.knobsFor(instance.id), by), 'stop', instance.id),
  'os-start': (deps, { instance, reply, by, now }) =>
    answer(reply, instance.requestPower('start', now, deps.cloud.knobsFor(instance.id), by), 'start', instance.id),
  lock: (_deps, { instance, request, value, reply, by, now }) => {
    if (value !== null && typeof value !== 'object') return badRequest(reply, 'lock', value);
    const reason = atLeast(request, 73) ? (value as { locked_reason?: unknown } | null)?.locked_reason : undefined;
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 255))
      return badRequest(reply, 'locked_reason', reason);
    // API.lock: an owner locking an already locked instance changes nothing and records nothing.
    if (instance.lockHolder) return reply.code(202).send();
    apiEvent(instance.recordAction('lock', by.requestId, now, by.userId), 'api_lock', now);
    instance.setLock('owner', reason ?? null);
    return reply.code(202).send();
  },
  unlock: (_deps, { instance, reply, by, now }) => {
    // lock_server.py: unlocking an admin's lock needs os-lock-server:unlock:unlock_override (admin only).
    if (instance.lockHolder === 'admin') {
      return novaFault(
        reply,
        403,
        'forbidden',
        "Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.",
      );
    }
    apiEvent(instance.recordAction('unlock', by.requestId, now, by.userId), 'api_unlock', now);
    instance.setLock(null);
    return reply.code(202).send();
  },
  createImage: (deps, { instance, token, request, value, reply, by, now }) => {
    const name = (value as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || name.trim().length === 0 || name.length > 255)
      return badRequest(reply, 'name', name);
    const knobs = deps.cloud.knobsFor(instance.id);
    const decision = instance.requestSnapshot(now, knobs, by);
    if (!decision.accepted) return answer(reply, decision, 'createImage', instance.id);
    const id = randomUUID();
    const savingAt = snapshotUploadAt(now, knobs.snapshotDurationMs);
    const activeAt = now + knobs.snapshotDurationMs;
    const image = { id, name: name.trim(), projectId: token.projectId, createdAt: now, savingAt, activeAt };
    deps.cloud.addImage({ ...image, serverId: instance.id });
    // servers.py _create_image: a body with the image id from 2.45, a Location header before.
    if (atLeast(request, 45)) return reply.code(202).send({ image_id: id });
    return reply
      .code(202)
      .header('location', `${deps.urls(request).image}/v2/images/${id}`)
      .send();
  },
};

/** Registers the server action route. */
export function registerNovaActions(app: FastifyInstance, deps: NovaDeps): void {
  const { cloud, faults } = deps;
  app.post<{ Params: { id: string } }>('/compute/v2.1/servers/:id/action', async (request, reply) => {
    const body = request.body;
    const keys = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : [];
    const value = keys.length === 1 ? (body as Record<string, unknown>)[keys[0]] : undefined;
    const serverId = request.params.id;
    const type = keys[0] === 'reboot' ? rebootType(value) : undefined;
    // Received: every reboot sent to the server's URL, faulted or not, except by another project (a 404 to it).
    const caller = cloud.identity.projectOf(request.headers['x-auth-token']);
    const target = cloud.instance(serverId);
    if (type && target && (caller === undefined || caller === target.projectId))
      cloud.counters.reboot(serverId, type, 'received');
    const token = await admit(request, reply, deps, serverId);
    if (!token) return reply;
    const handler = keys.length === 1 ? HANDLERS[keys[0]] : undefined;
    if (!handler) {
      const message = keys.length > 0 ? `There is no such action: ${keys.join(', ')}` : 'Malformed request body';
      return novaFault(reply, 400, 'badRequest', message);
    }
    const instance = cloud.findInstance(token.projectId, serverId);
    if (!instance) return novaFault(reply, 404, 'itemNotFound', `Instance ${serverId} could not be found.`);
    await faults.delay(cloud.knobsFor(serverId).actionDelayMs);
    const by = { requestId: String(reply.getHeader('x-openstack-request-id')), userId: token.userId };
    const fault = cloud.consumeActionFault(instance.id);
    // A fault after acting: Nova applies the action, and its answer is lost on the way back.
    if (fault?.acted) handler(deps, { instance, token, value, request, reply: lostAnswer(), by, now: cloud.clock() });
    if (fault) return actionFault(reply, fault);
    return handler(deps, { instance, token, value, request, reply, by, now: cloud.clock() });
  });
}

/**
 * Answers one of the `nextActionFaults`: Nova's own fault body (with its request id), or a proxy's HTML page or
 * empty body (without Nova's request id headers, as a load balancer that got no answer from nova-api sends).
 */
function actionFault(reply: FastifyReply, fault: SimActionFault): FastifyReply {
  if (fault.body === 'nova') {
    const name = fault.status === 503 ? 'serviceUnavailable' : 'computeFault';
    return novaFault(
      reply,
      fault.status,
      name,
      'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/',
    );
  }
  reply.removeHeader('x-openstack-request-id');
  reply.removeHeader('x-compute-request-id');
  if (fault.body === 'empty') return reply.code(fault.status).send();
  const title = PROXY_TITLES[fault.status] ?? 'Server Error';
  const page = `<html><head><title>${fault.status} ${title}</title></head><body><h1>${fault.status} ${title}</h1></body></html>`;
  return reply.code(fault.status).type('text/html').send(page);
}

const PROXY_TITLES: Record<number, string> = { 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/** A reply that takes an action's answer and sends nothing (the action is applied, its answer lost). */
function lostAnswer(): FastifyReply {
  const lost = { code: () => lost, header: () => lost, type: () => lost, send: () => lost };
  return lost as unknown as FastifyReply;
}

function rebootType(value: unknown): 'SOFT' | 'HARD' | undefined {
  const raw = (value as { type?: unknown } | null)?.type;
  return typeof raw === 'string' && REBOOT_TYPES.includes(raw) ? (raw.toUpperCase() as 'SOFT' | 'HARD') : undefined;
}

function invalidRebootType(reply: FastifyReply, value: unknown): FastifyReply {
  const raw = String((value as { type?: unknown } | null)?.type);
  return novaFault(
    reply,
    400,
    'badRequest',
    `Invalid input for field/attribute type. Value: ${raw}. '${raw}' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']`,
  );
}

function badRequest(reply: FastifyReply, field: string, value: unknown): FastifyReply {
  return novaFault(reply, 400, 'badRequest', `Invalid input for field/attribute ${field}. Value: ${String(value)}.`);
}

/** 202, or the 409 Nova's API gives for `InstanceIsLocked` / `InstanceInvalidState`. */
function answer(reply: FastifyReply, decision: RebootDecision, action: string, id: string): FastifyReply {
  if (decision.accepted) return reply.code(202).send();
  if ('locked' in decision) return novaFault(reply, 409, 'conflictingRequest', `Instance ${id} is locked`);
  // nova/api/openstack/common.py raise_http_conflict_for_instance_invalid_state
  return novaFault(
    reply,
    409,
    'conflictingRequest',
    `Cannot '${action}' instance ${id} while it is in ${decision.attr} ${decision.state}`,
  );
}

/** The `api_<action>` event `wrap_instance_event(prefix='api')` records, done at once. */
function apiEvent(record: { events: unknown[] }, event: string, now: number): void {
  record.events.push({ event, startTime: now, finishTime: now, result: 'Success' });
}
