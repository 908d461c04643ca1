/** OpenAPI description of the reboot route. */
import { ApiJobRequest, SCHEDULE_DOCS } from './job-request.api-docs';
import { RebootForecastDto } from './reboot-forecast.dto';
import { rebootRequestOpenApiSchema } from './reboot-request.dto';

/** `POST reboot`. */
export function ApiReboot(): MethodDecorator {
  return ApiJobRequest({
    operationId: 'rebootNode',
    summary:
      'Starts an asynchronous reboot of one node, SOFT unless type=HARD, or with dry_run=true says what it would ' +
      'do (needs the reboot role on the cluster)',
    description:
      'Unknown node and missing reboot role both answer 404 `{"error": "Node Not found"}`. An accepted reboot ' +
      'the cluster’s rules hold back (another node of its role rebooting, a master without the others ACTIVE, ' +
      'no other HAProxy node ACTIVE, or a reboot of its role asked earlier that goes first) is still answered ' +
      '202: its job shows `state: waiting` and starts by itself, in request order within its role. With ' +
      '`dry_run=true` the answer is 200 with what would happen and the node’s role, and nothing starts. ' +
      SCHEDULE_DOCS,
    body: { schema: rebootRequestOpenApiSchema(), required: true },
    started: 'The reboot is under way (`state: started`), or will start at its not_before (`state: scheduled`)',
    forecast: { description: 'Dry run: what the reboot would do now; nothing started', type: RebootForecastDto },
    badRequest: {
      description:
        'No target, not a node name, a type other than SOFT or HARD, a dry_run other than true or false, an ' +
        'unknown field, a malformed Idempotency-Key, a not_before that is not RFC 3339, past or more than 30 ' +
        'days ahead, or override_window without a reason',
      refusal: false,
    },
    conflict:
      'A reboot of that node is already running (`RebootConflict`), or the cluster’s rules never allow it, ' +
      'e.g. the cluster’s only HAProxy node, or its deadline comes before the next maintenance window opens, or ' +
      'override_window on a cluster whose operator switched it off (`RebootRefusal`, with the reason)',
    tooMany: {
      description:
        'Throttled (`Error`), or the node is inside the cluster’s cooldown after its last reboot (`RebootRefusal`)',
      refusal: true,
    },
  });
}
