import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KubeCluster } from './kube-cluster.model';
import { kubeStatus, type KubeObject } from './kube-objects.view';
import { meets, parseFieldSelector, parseLabelSelector, SelectorError } from './kube-selectors';
import type { tableJson } from './kube-table.view';
import type { SimCloud } from './sim-cloud';

// What the routes of the simulated Kubernetes API share.

/** Where each simulated cluster's Kubernetes API lives: `/kubernetes/<project-id>`. */
export const KUBE_PREFIX = '/kubernetes/:project';

/** A request to one cluster's API. */
export type KubeRequest = FastifyRequest<{ Params: { project: string } & Record<string, string> }>;

/** What the Kubernetes routes share. */
export interface KubeRoutes {
  cloud: SimCloud;
  /** The cluster the request is for (authenticated by the hook). */
  cluster(request: KubeRequest): KubeCluster;
  /** Sends one object, or a one-row Table when the client asked for one. */
  one(
    request: KubeRequest,
    reply: FastifyReply,
    resource: TableResource,
    item: KubeObject,
    status?: number,
  ): FastifyReply;
  /** Sends a list, or a Table when the client asked for one. */
  list(
    request: KubeRequest,
    reply: FastifyReply,
    resource: TableResource,
    kind: string,
    apiVersion: string,
    items: KubeObject[],
  ): FastifyReply;
}

type TableResource = Parameters<typeof tableJson>[0];

/** Sends a failure `Status`. */
export function send(
  reply: FastifyReply,
  code: number,
  reason: string,
  message: string,
  details?: Parameters<typeof kubeStatus>[3],
): FastifyReply {
  return reply.code(code).send(kubeStatus(code, reason, message, details));
}

/** Runs `list` with the request's selectors parsed, answering 400 for a bad one. */
export function withSelectors(
  reply: FastifyReply,
  query: { fieldSelector?: string; labelSelector?: string },
  fields: readonly string[],
  list: (
    keep: (fieldValues: Record<string, string | undefined>, labels: Record<string, string>) => boolean,
  ) => FastifyReply,
): FastifyReply {
  try {
    const byField = parseFieldSelector(query.fieldSelector, fields);
    const byLabel = parseLabelSelector(query.labelSelector);
    return list((fieldValues, labels) => meets(byField, fieldValues) && meets(byLabel, labels));
  } catch (error) {
    if (error instanceof SelectorError) return send(reply, 400, 'BadRequest', error.message);
    throw error;
  }
}
