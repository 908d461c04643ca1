import { describeRefusal, isFinalRefusal, isInDoubt, readRebootAnswer, type RebootRefusal } from './nova-reboot-answer';
import { OpenStackError } from './openstack.errors';

const nova409 = (message: string) => new OpenStackError(message, 409, 'conflictingRequest', 'req-409');
const refused = (error: Error) => readRebootAnswer({ error });

describe('readRebootAnswer', () => {
  it('reads a 202 as accepted, with its request id', () => {
    expect(readRebootAnswer({ requestId: 'req-1' })).toEqual({ kind: 'accepted', requestId: 'req-1' });
  });

  it('tells Nova’s 409s apart by their message: locked, a reboot running, another task, a vm_state', () => {
    expect(refused(nova409('Instance abc is locked'))).toMatchObject({ kind: 'locked', requestId: 'req-409' });
    expect(refused(nova409("Cannot 'reboot' instance abc while it is in task_state reboot_started"))).toMatchObject({
      kind: 'rebootRunning',
      taskState: 'reboot_started',
    });
    expect(refused(nova409("Cannot 'reboot' instance abc while it is in task_state image_snapshot"))).toMatchObject({
      kind: 'busy',
      taskState: 'image_snapshot',
    });
    expect(refused(nova409("Cannot 'reboot' instance abc while it is in vm_state stopped"))).toMatchObject({
      kind: 'wrongState',
      vmState: 'stopped',
    });
    expect(refused(nova409('Something else'))).toMatchObject({ kind: 'refused', status: 409 });
  });

  it('reads 404/403 as refused, every 5xx as in doubt (Nova’s own too), 429 as unavailable', () => {
    const nova = { novaFault: true };
    expect(refused(new OpenStackError('gone', 404, 'itemNotFound'))).toMatchObject({ kind: 'refused', status: 404 });
    expect(refused(new OpenStackError('no', 403, 'forbidden'))).toMatchObject({ kind: 'refused', status: 403 });
    expect(refused(new OpenStackError('boom', 500, 'computeFault', 'r', nova))).toMatchObject({ kind: 'gatewayError' });
    const down = new OpenStackError('down', 503, 'serviceUnavailable', 'r', nova);
    expect(refused(down)).toMatchObject({ kind: 'gatewayError', status: 503 });
    expect(refused(new OpenStackError('slow down', 429, 'overLimit'))).toMatchObject({ kind: 'unavailable' });
  });

  it.each([502, 503, 504, 500])('reads a %d without Nova’s fault body as in doubt: a proxy answered', (status) => {
    const answer = refused(new OpenStackError(`HTTP ${status}`, status, 'computeFault'));
    expect(answer).toEqual({ kind: 'gatewayError', status, message: `HTTP ${status}`, requestId: undefined });
    expect(isInDoubt(answer)).toBe(true);
    expect(isFinalRefusal(answer)).toBe(false);
  });

  it('reads no answer as in doubt, unless the connection never opened', () => {
    const timeout = new OpenStackError('timed out', 0, 'timeout', undefined, {
      cause: Object.assign(new Error('t'), { name: 'TimeoutError' }),
    });
    expect(refused(timeout)).toMatchObject({ kind: 'noAnswer' });
    const reset = new OpenStackError('reset', 0, 'network', undefined, { cause: { code: 'ECONNRESET' } });
    expect(refused(reset)).toMatchObject({ kind: 'noAnswer' });
    const refusedConnection = new OpenStackError('refused', 0, 'network', undefined, {
      cause: { code: 'ECONNREFUSED' },
    });
    expect(refused(refusedConnection)).toMatchObject({ kind: 'notSent' });
    expect(refused(new OpenStackError('Keystone refused to issue a token', 401, 'unauthorized'))).toMatchObject({
      kind: 'notSent',
    });
  });

  it('lets errors that are not OpenStack answers through', () => {
    expect(() => refused(new TypeError('bug'))).toThrow(TypeError);
  });
});

describe('describeRefusal', () => {
  it('says what happened, what to do, Nova’s words and request id', () => {
    const locked = refused(nova409('Instance abc is locked')) as RebootRefusal;
    expect(isFinalRefusal(locked)).toBe(true);
    expect(describeRefusal('worker-0', 'SOFT', locked)).toBe(
      'worker-0 is locked in OpenStack, so Nova refused the SOFT reboot and no reboot happened. Unlock it (or ask ' +
        'whoever locked it), then reboot again. Nova said: "Instance abc is locked" (Nova request req-409)',
    );
    const busy = refused(nova409("Cannot 'reboot' instance abc while it is in task_state migrating")) as RebootRefusal;
    expect(describeRefusal('worker-0', 'SOFT', busy)).toMatch(
      /^worker-0 is busy with the task migrating, .* no reboot/,
    );
    const off = refused(nova409("Cannot 'reboot' instance abc while it is in vm_state stopped")) as RebootRefusal;
    expect(describeRefusal('worker-0', 'SOFT', off)).toMatch(/^worker-0 is stopped: .* A HARD reboot can\./);
    const gone = refused(new OpenStackError('not found', 404, 'itemNotFound', 'req-4')) as RebootRefusal;
    expect(describeRefusal('worker-0', 'HARD', gone)).toMatch(/\(HTTP 404\), so no reboot happened/);
    expect(isFinalRefusal({ kind: 'noAnswer', message: 'x' })).toBe(false);
  });
});
