import { type IpAddress, type IpRange, parseIpRange, rangeHolds } from './ip-address';

/**
 * How a webhook treats a destination range: `global` addresses are fine; `internal` ones are refused unless an
 * operator allows them (WEBHOOK_ALLOW_CIDRS); `loopback` only where WEBHOOK_ALLOW_LOOPBACK is set; `never` ones
 * (link-local, where cloud metadata answers; metadata hosts; unspecified, multicast, broadcast) always refused;
 * `embeds` ranges carry an IPv4 address that decides.
 */
export type Treatment = 'global' | 'internal' | 'loopback' | 'never' | 'embeds';

export interface SpecialRange {
  range: IpRange;
  purpose: string;
  treatment: Treatment;
  /** For `embeds`: the IPv4 address inside. */
  embedded?: (ip: IpAddress) => IpAddress;
}

/** The purpose of ::ffff:0:0/96, the one embedding form that stands for this host's own IPv4 stack. */
export const IPV4_MAPPED = 'IPv4-mapped';

const lowIpv4 = (ip: IpAddress): IpAddress => ({ family: 4, value: ip.value & 0xffffffffn });
const sixToFour = (ip: IpAddress): IpAddress => ({ family: 4, value: (ip.value >> 80n) & 0xffffffffn });

/**
 * The IANA IPv4 and IPv6 special-purpose address registries (RFC 6890 and its updates), decided by their
 * "Globally Reachable" column, plus multicast, the deprecated site-local range, metadata hosts and, for IPv6,
 * everything outside the global unicast space 2000::/3. The longest matching prefix decides.
 */
const TABLE: [cidr: string, purpose: string, treatment: Treatment, embedded?: SpecialRange['embedded']][] = [
  ['0.0.0.0/0', 'global unicast', 'global'],
  ['0.0.0.0/8', '"this network"', 'never'],
  ['10.0.0.0/8', 'private-use', 'internal'],
  ['100.64.0.0/10', 'shared address space', 'internal'],
  ['100.100.100.200/32', 'Alibaba Cloud metadata', 'never'],
  ['127.0.0.0/8', 'loopback', 'loopback'],
  ['169.254.0.0/16', 'link-local, where cloud metadata answers', 'never'],
  ['172.16.0.0/12', 'private-use', 'internal'],
  ['192.0.0.0/24', 'IETF protocol assignments', 'internal'],
  ['192.0.2.0/24', 'documentation (TEST-NET-1)', 'internal'],
  ['192.88.99.0/24', 'deprecated 6to4 relay anycast', 'internal'],
  ['192.168.0.0/16', 'private-use', 'internal'],
  ['198.18.0.0/15', 'benchmarking', 'internal'],
  ['198.51.100.0/24', 'documentation (TEST-NET-2)', 'internal'],
  ['203.0.113.0/24', 'documentation (TEST-NET-3)', 'internal'],
  ['224.0.0.0/4', 'multicast', 'never'],
  ['240.0.0.0/4', 'reserved', 'internal'],
  ['255.255.255.255/32', 'limited broadcast', 'never'],

  ['::/0', 'reserved, outside global unicast 2000::/3', 'internal'],
  ['2000::/3', 'global unicast', 'global'],
  ['::/128', 'unspecified', 'never'],
  ['::1/128', 'loopback', 'loopback'],
  ['::/96', 'IPv4-compatible', 'embeds', lowIpv4],
  ['::ffff:0:0/96', IPV4_MAPPED, 'embeds', lowIpv4],
  ['64:ff9b::/96', 'NAT64', 'embeds', lowIpv4],
  ['64:ff9b:1::/48', 'local-use IPv4/IPv6 translation', 'internal'],
  ['100::/64', 'discard-only', 'internal'],
  ['100:0:0:1::/64', 'dummy prefix', 'internal'],
  ['2001::/23', 'IETF protocol assignments', 'internal'],
  ['2001::/32', 'Teredo', 'internal'],
  ['2001:1::1/128', 'PCP anycast', 'global'],
  ['2001:1::2/128', 'TURN anycast', 'global'],
  ['2001:1::3/128', 'DNS-SD SRP anycast', 'global'],
  ['2001:2::/48', 'benchmarking', 'internal'],
  ['2001:3::/32', 'AMT', 'global'],
  ['2001:4:112::/48', 'AS112-v6', 'global'],
  ['2001:10::/28', 'deprecated ORCHID', 'internal'],
  ['2001:20::/28', 'ORCHIDv2', 'global'],
  ['2001:30::/28', 'drone remote ID', 'global'],
  ['2001:db8::/32', 'documentation', 'internal'],
  ['2002::/16', '6to4', 'embeds', sixToFour],
  ['3fff::/20', 'documentation', 'internal'],
  ['5f00::/16', 'segment routing (SRv6) SIDs', 'internal'],
  ['fc00::/7', 'unique-local', 'internal'],
  ['fd00:ec2::254/128', 'AWS metadata', 'never'],
  ['fe80::/10', 'link-local', 'never'],
  ['fec0::/10', 'deprecated site-local', 'internal'],
  ['ff00::/8', 'multicast', 'never'],
];

const RANGES: SpecialRange[] = TABLE.map(([cidr, purpose, treatment, embedded]) => ({
  range: parseIpRange(cidr),
  purpose,
  treatment,
  embedded,
})).sort((a, b) => b.range.prefix - a.range.prefix);

/** The most specific range of the table that holds the address (every address has one). */
export function specialRangeOf(ip: IpAddress): SpecialRange {
  return RANGES.find((entry) => rangeHolds(entry.range, ip))!;
}
