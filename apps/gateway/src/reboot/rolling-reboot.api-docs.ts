/** OpenAPI description of the rolling reboot route. */
import { ApiJobRequest, SCHEDULE_DOCS } from './job-request.api-docs';
import { RollingForecastDto } from './rolling-forecast.dto';
import { rollingRebootRequestOpenApiSchema } from './rolling-reboot-request.dto';

/** `POST rolling-reboot`. */
export function ApiRollingReboot(): MethodDecorator {
  return ApiJobRequest({
    operationId: 'rollingReboot',
    summary: 'Reboots every node of a role, or of the cluster, one at a time (needs the reboot role)',
    description:
      'One job, `kind: rolling`, target `rolling:<role>`, whose output carries every node’s `<node> <STATUS>` ' +
      'lines and ends `Done`, or `Fail` at the first node that fails (the rest left alone and named in ' +
      '`errors`), at its deadline (one reboot’s per node; the nodes not rebooted named), or when a node of its ' +
      'plan, fixed when it starts, has left the cluster by its turn (a `Skipped:` line, the node named). Order ' +
      'for `all`: worker, other (nodes of no known role), infra, master, haproxy; within a role, as `nodestatus` ' +
      'lists them. Each node waits its turn under the cluster’s rules like a single reboot (single reboots ' +
      'running meanwhile count too). `DELETE job/{id}` calls off the rest. Without the reboot role: 404. ' +
      'With maintenance windows, it pauses between nodes while they are closed (a `Waiting:` line, ' +
      '`state: waiting`; the pause does not count against its deadline) and goes on when the next opens. ' +
      SCHEDULE_DOCS,
    body: { schema: rollingRebootRequestOpenApiSchema(), required: false },
    started: 'The rolling reboot is under way (`state: started`), or will start at its not_before (`state: scheduled`)',
    forecast: {
      description: 'Dry run: the plan, what its first node would do now, and every node’s role',
      type: RollingForecastDto,
    },
    badRequest: {
      description:
        'A role, type or dry_run that is not one, an unknown field, a malformed Idempotency-Key, a not_before ' +
        'that is not RFC 3339, past or more than 30 days ahead, override_window without a reason, or a role the ' +
        'cluster has no node of (`RebootRefusal`, with the reason)',
      refusal: true,
    },
    conflict:
      'A rolling reboot of that role is already running (`RebootConflict`), or the cluster’s rules never allow ' +
      'one of its nodes, e.g. the cluster’s only HAProxy node, or its deadline comes before the next maintenance ' +
      'window opens, or override_window on a cluster whose operator switched it off (`RebootRefusal`)',
    tooMany: { description: 'Throttled', refusal: false },
  });
}
