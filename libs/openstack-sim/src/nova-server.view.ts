import type { InstanceActionRecord, InstanceView, NovaInstance } from './nova-instance.model';
import { novaMicroTime, novaTime, stableHex } from './sim-format';

/** Where the simulator's Nova lives, for links. */
export interface NovaUrls {
  /** `${url}/compute/v2.1` */
  compute: string;
  /** `${url}/compute` (bookmark links have no version) */
  bookmark: string;
}

const IMAGE_ID = '70a599e0-31e7-49b7-b260-868f441e862b';

/** `links` of a server: self (versioned) and bookmark. */
export function serverLinks(id: string, urls: NovaUrls): { href: string; rel: string }[] {
  return [
    { href: `${urls.compute}/servers/${id}`, rel: 'self' },
    { href: `${urls.bookmark}/servers/${id}`, rel: 'bookmark' },
  ];
}

/** A server as `GET /servers` lists it. */
export function serverSummary(instance: NovaInstance, urls: NovaUrls): Record<string, unknown> {
  return { id: instance.id, links: serverLinks(instance.id, urls), name: instance.name };
}

/** A server as microversion 2.1 shows it in `GET /servers/detail` and `GET /servers/{id}` (servers-details-resp.json). */
export function serverDetail(
  instance: NovaInstance,
  view: InstanceView,
  urls: NovaUrls,
  index: number,
): Record<string, unknown> {
  const host = stableHex('host', instance.projectId).slice(0, 32);
  const body: Record<string, unknown> = {
    accessIPv4: '',
    accessIPv6: '',
    addresses: {
      private: [
        {
          addr: `10.0.0.${10 + (index % 240)}`,
          'OS-EXT-IPS-MAC:mac_addr': `fa:16:3e:${instance.id.slice(0, 2)}:${instance.id.slice(2, 4)}:${instance.id.slice(4, 6)}`,
          'OS-EXT-IPS:type': 'fixed',
          version: 4,
        },
      ],
    },
    created: novaTime(instance.createdAt),
    flavor: { id: '1', links: [{ href: `${urls.bookmark}/flavors/1`, rel: 'bookmark' }] },
    hostId: stableHex('hostId', instance.projectId, host) + stableHex('hostId2', host).slice(0, 24),
    id: instance.id,
    image: { id: IMAGE_ID, links: [{ href: `${urls.bookmark}/images/${IMAGE_ID}`, rel: 'bookmark' }] },
    key_name: null,
    links: serverLinks(instance.id, urls),
    metadata: {},
    name: instance.name,
    config_drive: '',
    'OS-DCF:diskConfig': 'MANUAL',
    'OS-EXT-AZ:availability_zone': 'nova',
    'OS-EXT-SRV-ATTR:host': host,
    'OS-EXT-SRV-ATTR:hypervisor_hostname': 'openstack-sim',
    'OS-EXT-SRV-ATTR:instance_name': `instance-${(index + 1).toString(16).padStart(8, '0')}`,
    'OS-EXT-STS:power_state': view.powerState,
    'OS-EXT-STS:task_state': view.taskState,
    'OS-EXT-STS:vm_state': view.vmState,
    'os-extended-volumes:volumes_attached': [],
    'OS-SRV-USG:launched_at': novaMicroTime(instance.createdAt + 8000),
    'OS-SRV-USG:terminated_at': null,
    progress: 0,
    security_groups: [{ name: 'default' }],
    status: view.status,
    tenant_id: instance.projectId,
    updated: novaTime(view.updatedAt),
    user_id: instance.userId,
  };
  if (view.fault)
    body['fault'] = { code: view.fault.code, created: novaTime(view.fault.created), message: view.fault.message };
  return body;
}

/** One entry of `GET /servers/{id}/os-instance-actions` (microversion 2.1 shape). */
export function instanceActionView(instance: NovaInstance, record: InstanceActionRecord): Record<string, unknown> {
  return {
    action: record.action,
    instance_uuid: instance.id,
    message: null,
    project_id: record.projectId,
    request_id: record.requestId,
    start_time: novaMicroTime(record.startTime),
    user_id: record.userId,
  };
}
