import type { InstanceActionRecord, InstanceView, NovaInstance } from './nova-instance.model';
import { BASE_IMAGE_ID } from './sim-cloud';
import { novaMicroTime, novaTime, stableHex } from './sim-format';

/** Where the simulator's Nova lives, for links. */
export interface NovaUrls {
  /** `${url}/compute/v2.1` */
  compute: string;
  /** `${url}/compute` (bookmark links have no version) */
  bookmark: string;
}

/** The one flavor of the simulated cloud (as in Nova's samples). */
export const FLAVOR = { id: '1', name: 'm1.tiny', ram: 512, disk: 1, vcpus: 1 } as const;
const FLAVOR_247 = { disk: FLAVOR.disk, ephemeral: 0, extra_specs: {}, ram: FLAVOR.ram, swap: 0, vcpus: FLAVOR.vcpus };

/** The compute host of a project's servers (one per project), as the admin-only attributes name it. */
function hostOf(projectId: string): string {
  return stableHex('host', projectId).slice(0, 32);
}

/** Nova's `hostId`: 56 hex characters, a hash of the project and the host (utils.generate_hostid). */
function hostIdOf(projectId: string): string {
  const host = hostOf(projectId);
  return stableHex('hostId', projectId, host) + stableHex('hostId2', host).slice(0, 24);
}

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

/**
 * A server as `GET /servers/detail` and `GET /servers/{id}` show it: the 2.1 shape (servers-details-resp.json),
 * plus the fields later microversions add for a project member (`locked` 2.9, `description` 2.19, `tags` 2.26,
 * the embedded flavor 2.47, `trusted_image_certificates` 2.63, `server_groups` 2.71 on show only,
 * `locked_reason` 2.73, `pinned_availability_zone` 2.96, `scheduler_hints` 2.100).
 */
export function serverDetail(
  instance: NovaInstance,
  view: InstanceView,
  urls: NovaUrls,
  index: number,
  minor = 1,
  show = false,
): Record<string, unknown> {
  const host = hostOf(instance.projectId);
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
    flavor:
      minor >= 47
        ? { ...FLAVOR_247, original_name: FLAVOR.name }
        : { id: FLAVOR.id, links: [{ href: `${urls.bookmark}/flavors/${FLAVOR.id}`, rel: 'bookmark' }] },
    hostId: hostIdOf(instance.projectId),
    id: instance.id,
    image: { id: BASE_IMAGE_ID, links: [{ href: `${urls.bookmark}/images/${BASE_IMAGE_ID}`, rel: 'bookmark' }] },
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
  if (minor >= 9) body['locked'] = view.locked;
  if (minor >= 19) body['description'] = null;
  if (minor >= 26) body['tags'] = [];
  if (minor >= 63) body['trusted_image_certificates'] = null;
  if (minor >= 71 && show) body['server_groups'] = [];
  if (minor >= 73) body['locked_reason'] = view.lockedReason;
  if (minor >= 96) body['pinned_availability_zone'] = null;
  if (minor >= 100) body['scheduler_hints'] = {};
  if (view.fault)
    body['fault'] = { code: view.fault.code, created: novaTime(view.fault.created), message: view.fault.message };
  return body;
}

/**
 * An instance action as `os-instance-actions` shows it to a project member: `updated_at` from 2.58 (its latest
 * event), and, in the detail, `events` from 2.51 (without traceback; `hostId` from 2.62).
 */
export function instanceActionView(
  instance: NovaInstance,
  record: InstanceActionRecord,
  minor: number,
  withEvents = false,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    action: record.action,
    instance_uuid: instance.id,
    message: null,
    project_id: record.projectId,
    request_id: record.requestId,
    start_time: novaMicroTime(record.startTime),
    user_id: record.userId,
  };
  if (minor >= 58) {
    const times = record.events.flatMap((e) => [e.startTime, e.finishTime ?? e.startTime]);
    body['updated_at'] = novaMicroTime(Math.max(record.startTime, ...times));
  }
  if (withEvents && minor >= 51) {
    body['events'] = record.events.map((e) => ({
      event: e.event,
      finish_time: e.finishTime === null ? null : novaMicroTime(e.finishTime),
      result: e.result,
      start_time: novaMicroTime(e.startTime),
      ...(minor >= 62 ? { hostId: hostIdOf(instance.projectId) } : {}),
    }));
  }
  return body;
}

/** A flavor as `GET /flavors/detail` and `GET /flavors/{id}` show it (2.1; `description` 2.55, `extra_specs` 2.61). */
export function flavorDetail(urls: NovaUrls, minor: number): Record<string, unknown> {
  const body: Record<string, unknown> = {
    'OS-FLV-DISABLED:disabled': false,
    disk: FLAVOR.disk,
    'OS-FLV-EXT-DATA:ephemeral': 0,
    'os-flavor-access:is_public': true,
    id: FLAVOR.id,
    links: flavorLinks(urls),
    name: FLAVOR.name,
    ram: FLAVOR.ram,
    swap: minor >= 75 ? 0 : '',
    vcpus: FLAVOR.vcpus,
    rxtx_factor: 1.0,
  };
  if (minor >= 55) body['description'] = null;
  if (minor >= 61) body['extra_specs'] = {};
  return body;
}

/** A flavor as `GET /flavors` lists it. */
export function flavorSummary(urls: NovaUrls, minor: number): Record<string, unknown> {
  return { id: FLAVOR.id, links: flavorLinks(urls), name: FLAVOR.name, ...(minor >= 55 ? { description: null } : {}) };
}

function flavorLinks(urls: NovaUrls): { href: string; rel: string }[] {
  return [
    { href: `${urls.compute}/flavors/${FLAVOR.id}`, rel: 'self' },
    { href: `${urls.bookmark}/flavors/${FLAVOR.id}`, rel: 'bookmark' },
  ];
}
