import { isIP } from 'node:net';

/** An IPv4 or IPv6 address as a number (32 or 128 bits), so ranges can be compared exactly. */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

/** A range of addresses: its first address and prefix length, with its text in canonical form. */
export interface IpRange extends IpAddress {
  prefix: number;
  text: string;
}

const BITS = { 4: 32, 6: 128 } as const;

/** Parses an address as written in a URL or answered by name resolution (an IPv6 zone is ignored); null if none. */
export function parseIp(text: string): IpAddress | null {
  const address = text.replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 4) return { family: 4, value: ipv4Value(address) };
  if (family !== 6) return null;
  const [head, tail = null] = address.toLowerCase().split('::');
  const groups = (part: string | null) => (part ? part.split(':') : []);
  const words = (parts: string[]) =>
    parts.flatMap((part) => {
      if (!part.includes('.')) return [BigInt(`0x${part}`)];
      const v4 = ipv4Value(part);
      return [v4 >> 16n, v4 & 0xffffn];
    });
  const left = words(groups(head!));
  const right = words(groups(tail));
  const all = tail === null ? left : [...left, ...Array(8 - left.length - right.length).fill(0n), ...right];
  return { family: 6, value: all.reduce((sum: bigint, word: bigint) => (sum << 16n) | word, 0n) };
}

/** Parses `address/prefix` (a bare address is one host); throws a message an operator can act on. */
export function parseIpRange(text: string): IpRange {
  const [address = '', prefixText, extra] = text.trim().split('/');
  const ip = parseIp(address);
  if (!ip || extra !== undefined || address.includes('%')) {
    throw new Error(`${JSON.stringify(text)} is not a CIDR (an IPv4 or IPv6 address, then /prefix length)`);
  }
  const bits = BITS[ip.family];
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) {
    throw new Error(`${JSON.stringify(text)} has no valid prefix length (0 to ${bits} for IPv${ip.family})`);
  }
  const network = ip.value & mask(ip.family, prefix);
  const canonical = `${formatIp({ family: ip.family, value: network })}/${prefix}`;
  if (network !== ip.value) throw new Error(`${text} has bits set past its /${prefix} prefix (meant ${canonical}?)`);
  return { ...ip, prefix, text: canonical };
}

/** Whether the range holds the address (never across families). */
export function rangeHolds(range: IpRange, ip: IpAddress): boolean {
  return range.family === ip.family && (ip.value & mask(ip.family, range.prefix)) === range.value;
}

/** The address in its usual text form (IPv6 compressed, without an embedded dotted quad). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((shift) => (ip.value >> shift) & 0xffn).join('.');
  const hex = Array.from({ length: 8 }, (_, i) => ((ip.value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return new URL(`http://[${hex.join(':')}]/`).hostname.slice(1, -1);
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((sum, octet) => (sum << 8n) | BigInt(octet), 0n);
}

function mask(family: 4 | 6, prefix: number): bigint {
  const bits = BigInt(BITS[family]);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}
