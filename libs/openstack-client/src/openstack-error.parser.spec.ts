import { faultNameForStatus, parseErrorBody } from './openstack-error.parser';
import { sample } from './openstack-samples.fixture';

describe('parseErrorBody', () => {
  it('reads the derived Nova 404 and 409 samples', () => {
    expect(parseErrorBody(404, sample('nova/DERIVED-error-404-server-not-found.json'))).toEqual({
      code: 'itemNotFound',
      message: 'Instance 9e5476bd-a4ec-4653-93d6-72c93aa682ba could not be found.',
      novaFault: true,
    });
    expect(parseErrorBody(409, sample('nova/DERIVED-error-409-reboot-conflict.json'))).toEqual({
      code: 'conflictingRequest',
      message: "Cannot 'reboot' instance 9e5476bd-a4ec-4653-93d6-72c93aa682ba while it is in task_state rebooting",
      novaFault: true,
    });
  });

  it('reads the api-guide fault example', () => {
    expect(parseErrorBody(404, sample('nova/api-guide-faults-404-example.json'))).toEqual({
      code: 'itemNotFound',
      message: 'Aggregate agg_h1 could not be found.',
      novaFault: true,
    });
  });

  it('reads Keystone / keystonemiddleware errors with the fault name of the status', () => {
    const body = {
      error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
    };
    expect(parseErrorBody(401, body)).toEqual({
      code: 'unauthorized',
      message: 'The request you have made requires authentication.',
      novaFault: false,
    });
  });

  it('falls back to the status for text, HTML and empty bodies', () => {
    expect(parseErrorBody(503, 'Service Unavailable\n')).toEqual({
      code: 'serviceUnavailable',
      message: 'Service Unavailable',
      novaFault: false,
    });
    expect(parseErrorBody(502, '<html><body>Bad gateway</body></html>')).toEqual({
      code: 'computeFault',
      message: 'HTTP 502',
      novaFault: false,
    });
    expect(parseErrorBody(429, undefined)).toEqual({ code: 'overLimit', message: 'HTTP 429', novaFault: false });
  });

  it('tells Nova’s own 5xx fault from a proxy’s page: only Nova’s body is a Nova fault', () => {
    const unexpected = {
      computeFault: {
        code: 500,
        message: 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/',
      },
    };
    expect(parseErrorBody(500, unexpected)).toMatchObject({ code: 'computeFault', novaFault: true });
    expect(parseErrorBody(503, { serviceUnavailable: { code: 503, message: 'down' } })).toMatchObject({
      code: 'serviceUnavailable',
      novaFault: true,
    });
    expect(parseErrorBody(504, '')).toMatchObject({ code: 'computeFault', novaFault: false });
    expect(parseErrorBody(502, { message: 'upstream reset' })).toMatchObject({ novaFault: false });
  });

  it('maps statuses like nova wsgi Fault', () => {
    expect([400, 403, 404, 409, 413, 500].map(faultNameForStatus)).toEqual([
      'badRequest',
      'forbidden',
      'itemNotFound',
      'conflictingRequest',
      'overLimit',
      'computeFault',
    ]);
  });
});
