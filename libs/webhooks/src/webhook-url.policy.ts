import { BlockList, isIP } from 'node:net';

/** A webhook URL, or an address it resolves to, that deliveries may not go to. */
export class WebhookUrlRefusedError extends Error {
  override readonly name = 'WebhookUrlRefusedError';
}

/** Where a deployment lets webhooks go besides public `https://` addresses. */
export interface WebhookUrlPolicy {
  /** `http://` (and `https://`) to loopback addresses: demos and tests (`npm start` allows it), never production. */
  allowLoopback: boolean;
}

/** Never a destination: link-local (cloud metadata lives there), unspecified, multicast and broadcast ranges. */
const NEVER = new BlockList();
NEVER.addSubnet('169.254.0.0', 16, 'ipv4');
NEVER.addSubnet('0.0.0.0', 8, 'ipv4');
NEVER.addSubnet('224.0.0.0', 4, 'ipv4');
NEVER.addAddress('255.255.255.255', 'ipv4');
NEVER.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
NEVER.addSubnet('fe80::', 10, 'ipv6');
NEVER.addSubnet('ff00::', 8, 'ipv6');
NEVER.addAddress('::', 'ipv6');
NEVER.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Metadata services reached by name. */
const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data']);

/**
 * Checks a webhook URL as written: `https://` to a name or a public address; `http://` only to a loopback
 * address, and loopback only where the policy allows it; never credentials in it, never a metadata host or a
 * link-local address. Answers the normalised URL. Names are checked again when a delivery resolves them.
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

/** Refuses an address a delivery is about to connect to (after name resolution). */
export function checkAddress(address: string, policy: WebhookUrlPolicy): void {
  const unmapped =
    address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(unmapped) === 6 ? 'ipv6' : 'ipv4';
  if (NEVER.check(unmapped, family)) {
    throw new WebhookUrlRefusedError(`${address} is a link-local, metadata or non-unicast address`);
  }
  if (isLoopback(unmapped) && !policy.allowLoopback) {
    throw new WebhookUrlRefusedError(`${address} is a loopback address`);
  }
}

/** The host of a URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function isLoopback(address: string): boolean {
  return LOOPBACK.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
