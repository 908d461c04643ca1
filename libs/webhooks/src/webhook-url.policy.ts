import { isIP } from 'node:net';
import { formatIp, type IpAddress, parseIp, parseIpRange, rangeHolds } from './ip-address';
import { IPV4_MAPPED, type SpecialRange, specialRangeOf } from './special-addresses';

/** A webhook URL, or an address it resolves to, that deliveries may not go to. */
export class WebhookUrlRefusedError extends Error {
  override readonly name = 'WebhookUrlRefusedError';
}

/** Where a deployment lets webhooks go besides public `https://` addresses. */
export interface WebhookUrlPolicy {
  /** `http://` (and `https://`) to loopback addresses: demos and tests (`npm start` allows it), never production. */
  allowLoopback: boolean;
  /**
   * Internal ranges (private-use, unique-local, …) where receivers may be, over `https://` (WEBHOOK_ALLOW_CIDRS,
   * checked by {@link parseWebhookAllowCidrs}). They never open loopback, link-local, metadata, multicast,
   * broadcast or unspecified addresses.
   */
  allowCidrs?: readonly string[];
}

/** Metadata services reached by name. */
const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data']);

/**
 * Checks a webhook URL as written: `https://` to a name or a global address (or one the policy allows);
 * `http://` only to a loopback address, and loopback only where the policy allows it; never credentials in
 * it, never a metadata host. Answers the normalised URL. Names are checked again when a delivery resolves them.
 */
export function checkWebhookUrl(text: string, policy: WebhookUrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookUrlRefusedError('not a URL');
  }
  if (url.username || url.password) throw new WebhookUrlRefusedError('credentials do not belong in a webhook URL');
  if (url.hash) throw new WebhookUrlRefusedError('a webhook URL has no fragment');
  const host = hostOf(url);
  if (METADATA_HOSTS.has(host.toLowerCase().replace(/\.$/, ''))) {
    throw new WebhookUrlRefusedError('metadata services are never a webhook destination');
  }
  const literal = isIP(host) !== 0;
  if (literal) checkAddress(host, policy);
  const loopback = literal ? isLoopback(host) : host.toLowerCase() === 'localhost';
  if (url.protocol === 'https:') {
    if (loopback && !policy.allowLoopback) throw new WebhookUrlRefusedError('loopback addresses are not allowed here');
    return url;
  }
  if (url.protocol === 'http:') {
    if (!loopback) throw new WebhookUrlRefusedError('webhook URLs must be https://');
    if (!policy.allowLoopback) throw new WebhookUrlRefusedError('http:// is allowed only to loopback, and not here');
    return url;
  }
  throw new WebhookUrlRefusedError('webhook URLs must be https://');
}

/**
 * Refuses an address a delivery is about to connect to (after name resolution), or written in a URL: anything
 * the special-purpose registries do not call globally reachable, and IPv6 forms whose embedded IPv4 address
 * (IPv4-mapped, IPv4-compatible, NAT64, 6to4) is not global, unless the policy allows it.
 */
export function checkAddress(address: string, policy: WebhookUrlPolicy): void {
  const ip = parseIp(address);
  if (!ip) throw new WebhookUrlRefusedError(`${address} is not an IP address`);
  const special = specialRangeOf(ip);
  if (special.treatment !== 'embeds') return decide(address, ip, special, policy, []);
  const inner = special.embedded!(ip);
  const innerRange = specialRangeOf(inner);
  // Only an IPv4-mapped address is this host's own loopback; 6to4 or NAT64 to 127/8 is nonsense, and refused.
  const treatment =
    innerRange.treatment === 'loopback' && special.purpose !== IPV4_MAPPED ? 'never' : innerRange.treatment;
  decide(
    address,
    inner,
    { ...innerRange, treatment },
    policy,
    [ip],
    `embeds ${formatIp(inner)} (${special.purpose}), which`,
  );
}

function decide(
  address: string,
  ip: IpAddress,
  special: SpecialRange,
  policy: WebhookUrlPolicy,
  alsoAllowedAs: IpAddress[],
  subject = '',
): void {
  const where = `${address} ${subject ? `${subject} ` : ''}is in ${special.range.text} (${special.purpose})`;
  switch (special.treatment) {
    case 'global':
      return;
    case 'loopback':
      if (policy.allowLoopback) return;
      throw new WebhookUrlRefusedError(`${address} is a loopback address`);
    case 'internal':
      if (allowed(policy, [ip, ...alsoAllowedAs])) return;
      throw new WebhookUrlRefusedError(
        `${where}, not a global address (WEBHOOK_ALLOW_CIDRS can allow internal receivers)`,
      );
    default:
      throw new WebhookUrlRefusedError(`${where}: never a webhook destination`);
  }
}

/**
 * Checks WEBHOOK_ALLOW_CIDRS (comma-separated CIDRs, IPv4 and IPv6; a bare address is one host) and answers
 * them in canonical form, or throws one line naming what is wrong: not a CIDR, bits past the prefix, or a
 * range no CIDR can open (loopback, link-local, metadata, multicast, broadcast, unspecified).
 */
export function parseWebhookAllowCidrs(text: string | undefined): string[] {
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.map((entry) => {
    const range = parseIpRange(entry);
    const special = specialRangeOf(range);
    if ((special.treatment === 'never' || special.treatment === 'loopback') && special.range.prefix <= range.prefix) {
      throw new Error(`${range.text} is within ${special.range.text} (${special.purpose}), which no CIDR can allow`);
    }
    return range.text;
  });
}

/** The host of a URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function allowed(policy: WebhookUrlPolicy, forms: IpAddress[]): boolean {
  const ranges = (policy.allowCidrs ?? []).map(parseIpRange);
  return ranges.some((range) => forms.some((ip) => rangeHolds(range, ip)));
}

function isLoopback(address: string): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  const special = specialRangeOf(ip);
  if (special.treatment === 'loopback') return true;
  return special.purpose === IPV4_MAPPED && specialRangeOf(special.embedded!(ip)).treatment === 'loopback';
}
