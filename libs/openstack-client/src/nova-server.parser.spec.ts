import {
  nextPageQuery,
  parseInstanceAction,
  parseInstanceActions,
  parseServer,
  parseServerBody,
  parseServerDetailPage,
} from './nova-server.parser';
import { OpenStackError } from './openstack.errors';
import { sample } from './openstack-samples.fixture';

const SAMPLE_SERVER = {
  id: 'f5dc173b-6804-445a-a6d8-c705dad5b5eb',
  name: 'new-server-test',
  status: 'ACTIVE',
  taskState: null,
  vmState: 'active',
  powerState: 1,
  updated: '2013-09-03T04:01:32Z',
};

describe('Nova server parsing on the samples', () => {
  it.each(['nova/servers-details-resp.v2.1.json', 'nova/servers-details-resp.v2.100-latest.json'])(
    'maps %s and keeps its next-page query',
    (file) => {
      const page = parseServerDetailPage(sample(file));
      expect(page.servers).toEqual([SAMPLE_SERVER]);
      expect(page.next).toEqual({ limit: '1', marker: 'f5dc173b-6804-445a-a6d8-c705dad5b5eb' });
    },
  );

  it.each(['nova/server-get-resp.v2.1.json', 'nova/server-get-resp.v2.100-latest.json'])(
    'maps the single server of %s',
    (file) => {
      expect(parseServerBody(sample(file))).toEqual({
        ...SAMPLE_SERVER,
        id: '0e44cc9c-e052-415d-afbf-469b0d384170',
        updated: '2013-09-03T04:01:33Z',
      });
    },
  );

  it('maps gophercloud ServerListBody (no servers_links: last page)', () => {
    const page = parseServerDetailPage(sample('gophercloud/ServerListBody.json'));
    expect(page.servers.map((s) => [s.name, s.id, s.status, s.vmState, s.powerState])).toEqual([
      ['herp', 'ef079b0c-e610-4dfb-b1aa-b49f07ac48e5', 'ACTIVE', 'active', 1],
      ['derp', '9e5476bd-a4ec-4653-93d6-72c93aa682ba', 'ACTIVE', 'active', 1],
      ['merp', '9e5476bd-a4ec-4653-93d6-72c93aa682bb', 'ACTIVE', 'active', 1],
    ]);
    expect(page.next).toBeNull();
  });

  it('maps gophercloud SingleServerBody and FaultyServerBody (with its fault)', () => {
    const single = parseServerBody(sample('gophercloud/SingleServerBody.json'));
    expect(single).toEqual({
      id: '9e5476bd-a4ec-4653-93d6-72c93aa682ba',
      name: 'derp',
      status: 'ACTIVE',
      taskState: null,
      vmState: 'active',
      powerState: 1,
      updated: '2014-09-25T13:04:49Z',
    });
    const faulty = parseServerBody(sample('gophercloud/FaultyServerBody.json'));
    expect(faulty.fault).toEqual({
      code: 500,
      message:
        "Conflict updating instance c2ce4dea-b73f-4d01-8633-2c6032869281. Expected: {'task_state': [u'spawning']}. Actual: {'task_state': None}",
    });
  });

  it('takes only the query of a next link (servers-list sample), ignoring its host', () => {
    const body = sample('nova/servers-list-resp.v2.1.json');
    expect(nextPageQuery(body.servers_links)).toEqual({ limit: '1', marker: '22c91117-08de-4894-9aa9-6ef382400985' });
    expect(nextPageQuery([{ rel: 'self', href: 'http://x/servers?marker=a' }])).toBeNull();
    expect(nextPageQuery(undefined)).toBeNull();
  });

  it('maps reboot states and tolerates hidden extended attributes', () => {
    expect(
      parseServer({
        id: 'i',
        name: 'n',
        status: 'HARD_REBOOT',
        'OS-EXT-STS:task_state': 'reboot_started_hard',
        'OS-EXT-STS:vm_state': 'active',
        'OS-EXT-STS:power_state': 1,
      }),
    ).toEqual({
      id: 'i',
      name: 'n',
      status: 'HARD_REBOOT',
      taskState: 'reboot_started_hard',
      vmState: 'active',
      powerState: 1,
    });
    expect(parseServer({ id: 'i', name: 'n', status: 'ACTIVE' })).toEqual({
      id: 'i',
      name: 'n',
      status: 'ACTIVE',
      taskState: null,
      vmState: null,
      powerState: null,
    });
  });

  it('refuses servers without id, name or status', () => {
    expect(() => parseServer({ name: 'n', status: 'ACTIVE' })).toThrow(OpenStackError);
    expect(() => parseServer({ id: 'i', status: 'ACTIVE' })).toThrow(/name/);
    expect(() => parseServerDetailPage({ server: {} })).toThrow(/servers/);
  });
});

describe('instance actions on the samples', () => {
  it('reads the v2.1 list', () => {
    const actions = parseInstanceActions(sample('nova/instance-actions-list-resp.v2.1.json'));
    expect(actions.map((a) => [a.action, a.requestId])).toEqual([
      ['stop', 'req-f8a59f03-76dc-412f-92c2-21f8612be728'],
      ['create', 'req-50189019-626d-47fb-b944-b8342af09679'],
    ]);
    expect(actions[0]).toEqual({
      action: 'stop',
      instanceUuid: 'fcd19ef2-b593-40b1-90a5-fc31063fa95c',
      requestId: 'req-f8a59f03-76dc-412f-92c2-21f8612be728',
      startTime: '2018-04-25T01:26:29.092892',
      userId: 'admin',
      projectId: '6f70656e737461636b20342065766572',
      message: null,
    });
  });

  it('reads the v2.84 list (with updated_at) and a single action', () => {
    const [latest] = parseInstanceActions(sample('nova/instance-actions-list-resp.v2.84-latest.json'));
    expect(latest.updatedAt).toBe('2018-04-25T01:26:36.525308');
    const single = parseInstanceAction(sample('nova/instance-action-get-resp.v2.1.json').instanceAction);
    expect(single).toMatchObject({
      action: 'stop',
      requestId: 'req-14122cb1-4256-4a16-a4f9-6faf494afaa7',
      instanceUuid: 'e0a7ed34-899c-4b4d-8637-11ca627346ef',
    });
  });
});
