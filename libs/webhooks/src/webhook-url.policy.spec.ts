import { parseConfig } from '@oshift/config';
import { z } from 'zod';
import { checkAddress, checkWebhookUrl, parseWebhookAllowCidrs } from './webhook-url.policy';
import { webhookAllowCidrs } from './webhook-settings';

const strict = { allowLoopback: false };
const demo = { allowLoopback: true };
const internal = 'not a global address (WEBHOOK_ALLOW_CIDRS can allow internal receivers)';
const never = 'never a webhook destination';

describe('webhook URL policy', () => {
  it('accepts https to names and global addresses', () => {
    expect(checkWebhookUrl('https://hooks.example.com/oshift?x=1', strict).toString()).toBe(
      'https://hooks.example.com/oshift?x=1',
    );
    expect(() => checkWebhookUrl('https://9.9.9.9:8443/hook', strict)).not.toThrow();
    expect(() => checkWebhookUrl('https://[2606:4700:4700::1111]/hook', strict)).not.toThrow();
  });

  it.each([
    ['http://hooks.example.com/', 'webhook URLs must be https://'],
    ['gopher://hooks.example.com/', 'webhook URLs must be https://'],
    ['not a url', 'not a URL'],
    ['https://a:b@hooks.example.com/', 'credentials do not belong in a webhook URL'],
    ['https://hooks.example.com/#x', 'a webhook URL has no fragment'],
    ['https://metadata.google.internal./', 'metadata services are never a webhook destination'],
    ['https://127.0.0.1/', '127.0.0.1 is a loopback address'],
    // URLs normalise other spellings of an address before it is checked.
    ['https://0x7f.1/', '127.0.0.1 is a loopback address'],
    ['https://167772161/', `10.0.0.1 is in 10.0.0.0/8 (private-use), ${internal}`],
    ['https://[::1]/', '::1 is a loopback address'],
    ['https://[::ffff:169.254.169.254]/', `::ffff:a9fe:a9fe embeds 169.254.169.254 (IPv4-mapped), which is in`],
    ['http://localhost:8080/', 'http:// is allowed only to loopback, and not here'],
    ['http://10.0.0.5/hook', `10.0.0.5 is in 10.0.0.0/8 (private-use), ${internal}`],
  ])('refuses %s', (url, reason) => {
    expect(() => checkWebhookUrl(url, strict)).toThrow(reason);
  });

  // Every non-global range of the IANA IPv4 special-purpose registry, and multicast.
  it.each([
    ['0.1.2.3', '0.0.0.0/8 ("this network")', never],
    ['0.0.0.0', '0.0.0.0/8 ("this network")', never],
    ['10.20.30.40', '10.0.0.0/8 (private-use)', internal],
    ['100.64.0.1', '100.64.0.0/10 (shared address space)', internal],
    ['100.127.255.254', '100.64.0.0/10 (shared address space)', internal],
    ['100.100.100.200', '100.100.100.200/32 (Alibaba Cloud metadata)', never],
    ['169.254.169.254', '169.254.0.0/16 (link-local, where cloud metadata answers)', never],
    ['172.16.0.1', '172.16.0.0/12 (private-use)', internal],
    ['172.31.255.255', '172.16.0.0/12 (private-use)', internal],
    ['192.0.0.8', '192.0.0.0/24 (IETF protocol assignments)', internal],
    ['192.0.2.1', '192.0.2.0/24 (documentation (TEST-NET-1))', internal],
    ['192.88.99.1', '192.88.99.0/24 (deprecated 6to4 relay anycast)', internal],
    ['192.168.1.1', '192.168.0.0/16 (private-use)', internal],
    ['198.18.0.1', '198.18.0.0/15 (benchmarking)', internal],
    ['198.19.255.255', '198.18.0.0/15 (benchmarking)', internal],
    ['198.51.100.7', '198.51.100.0/24 (documentation (TEST-NET-2))', internal],
    ['203.0.113.7', '203.0.113.0/24 (documentation (TEST-NET-3))', internal],
    ['224.0.0.1', '224.0.0.0/4 (multicast)', never],
    ['239.255.255.250', '224.0.0.0/4 (multicast)', never],
    ['240.0.0.1', '240.0.0.0/4 (reserved)', internal],
    ['255.255.255.255', '255.255.255.255/32 (limited broadcast)', never],
    // IPv6: the special-purpose registry's entries that are not globally reachable, and what lies outside 2000::/3.
    ['::', '::/128 (unspecified)', never],
    ['64:ff9b:1::1', '64:ff9b:1::/48 (local-use IPv4/IPv6 translation)', internal],
    ['100::1', '100::/64 (discard-only)', internal],
    ['100:0:0:1::1', '100:0:0:1::/64 (dummy prefix)', internal],
    ['2001:0::1', '2001::/32 (Teredo)', internal],
    ['2001:2::1', '2001:2::/48 (benchmarking)', internal],
    ['2001:5::1', '2001::/23 (IETF protocol assignments)', internal],
    ['2001:10::1', '2001:10::/28 (deprecated ORCHID)', internal],
    ['2001:db8::1', '2001:db8::/32 (documentation)', internal],
    ['3fff::1', '3fff::/20 (documentation)', internal],
    ['5f00::1', '5f00::/16 (segment routing (SRv6) SIDs)', internal],
    ['fc00::1', 'fc00::/7 (unique-local)', internal],
    ['fd12:3456::1', 'fc00::/7 (unique-local)', internal],
    ['fd00:ec2::254', 'fd00:ec2::254/128 (AWS metadata)', never],
    ['fe80::1', 'fe80::/10 (link-local)', never],
    ['fe80::1%eth0', 'fe80::/10 (link-local)', never],
    ['fec0::1', 'fec0::/10 (deprecated site-local)', internal],
    ['ff02::1', 'ff00::/8 (multicast)', never],
    ['4000::1', '::/0 (reserved, outside global unicast 2000::/3)', internal],
  ])('refuses %s, in %s', (address, range, why) => {
    expect(() => checkAddress(address, demo)).toThrow(`${address} is in ${range}${why === never ? ': ' : ', '}${why}`);
  });

  // IPv6 forms that embed an IPv4 address are decided by that address.
  it.each([
    ['::ffff:10.0.0.1', '10.0.0.1 (IPv4-mapped)', '10.0.0.0/8 (private-use)', internal],
    [
      '::ffff:a9fe:a9fe',
      '169.254.169.254 (IPv4-mapped)',
      '169.254.0.0/16 (link-local, where cloud metadata answers)',
      never,
    ],
    ['64:ff9b::10.1.2.3', '10.1.2.3 (NAT64)', '10.0.0.0/8 (private-use)', internal],
    ['64:ff9b::c0a8:101', '192.168.1.1 (NAT64)', '192.168.0.0/16 (private-use)', internal],
    [
      '64:ff9b::a9fe:a9fe',
      '169.254.169.254 (NAT64)',
      '169.254.0.0/16 (link-local, where cloud metadata answers)',
      never,
    ],
    ['64:ff9b::7f00:1', '127.0.0.1 (NAT64)', '127.0.0.0/8 (loopback)', never],
    ['2002:a00:1::1', '10.0.0.1 (6to4)', '10.0.0.0/8 (private-use)', internal],
    ['2002:6440:1::', '100.64.0.1 (6to4)', '100.64.0.0/10 (shared address space)', internal],
    ['2002:7f00:1::1', '127.0.0.1 (6to4)', '127.0.0.0/8 (loopback)', never],
    ['::10.0.0.1', '10.0.0.1 (IPv4-compatible)', '10.0.0.0/8 (private-use)', internal],
    ['::c612:1', '198.18.0.1 (IPv4-compatible)', '198.18.0.0/15 (benchmarking)', internal],
    [
      '::a9fe:a9fe',
      '169.254.169.254 (IPv4-compatible)',
      '169.254.0.0/16 (link-local, where cloud metadata answers)',
      never,
    ],
  ])('refuses %s, which embeds %s', (address, embedded, range, why) => {
    expect(() => checkAddress(address, demo)).toThrow(
      `${address} embeds ${embedded}, which is in ${range}${why === never ? ': ' : ', '}${why}`,
    );
  });

  it.each([
    '9.9.9.9',
    '1.1.1.1',
    '100.63.255.255', // just below shared address space
    '172.32.0.1', // just past 172.16/12
    '192.0.1.1',
    '198.20.0.1', // just past 198.18/15
    '2606:4700:4700::1111',
    '2001:3::1', // AMT: globally reachable inside 2001::/23
    '2001:1::1', // PCP anycast
    '2001:20::1', // ORCHIDv2
    '::ffff:9.9.9.9',
    '64:ff9b::9.9.9.9',
    '2002:909:909::1',
    '::9.9.9.9',
  ])('accepts the global address %s', (address) => {
    expect(() => checkAddress(address, strict)).not.toThrow();
    const host = address.includes(':') ? `[${address}]` : address;
    expect(() => checkWebhookUrl(`https://${host}/hook`, strict)).not.toThrow();
  });

  it('keeps loopback to deployments that allow it, over http too, and never opens link-local', () => {
    expect(() => checkWebhookUrl('http://127.0.0.1:9000/hook', demo)).not.toThrow();
    expect(() => checkWebhookUrl('http://localhost:9000/hook', demo)).not.toThrow();
    expect(() => checkWebhookUrl('http://[::ffff:127.0.0.1]:9000/hook', demo)).not.toThrow();
    expect(() => checkAddress('::ffff:127.0.0.1', strict)).toThrow('::ffff:127.0.0.1 is a loopback address');
    expect(() => checkAddress('169.254.169.254', demo)).toThrow(never);
  });

  it('lets WEBHOOK_ALLOW_CIDRS open internal ranges, their embedded forms included, over https only', () => {
    const policy = { allowLoopback: false, allowCidrs: parseWebhookAllowCidrs('10.20.0.0/16, fd00:1234::/32') };
    expect(policy.allowCidrs).toEqual(['10.20.0.0/16', 'fd00:1234::/32']);
    for (const address of ['10.20.1.2', '::ffff:10.20.1.2', '64:ff9b::a14:102', '2002:a14:102::1', 'fd00:1234::5']) {
      expect(() => checkAddress(address, policy)).not.toThrow();
    }
    expect(() => checkWebhookUrl('https://10.20.1.2/hook', policy)).not.toThrow();
    expect(() => checkWebhookUrl('https://[fd00:1234::5]/hook', policy)).not.toThrow();
    expect(() => checkWebhookUrl('http://10.20.1.2/hook', policy)).toThrow('webhook URLs must be https://');
    expect(() => checkAddress('10.21.0.1', policy)).toThrow(`10.21.0.1 is in 10.0.0.0/8 (private-use), ${internal}`);
    expect(() => checkAddress('fd00:1235::5', policy)).toThrow('fc00::/7 (unique-local)');
    // Even an allowance of everything opens no loopback, link-local or metadata address.
    const everything = { allowLoopback: false, allowCidrs: parseWebhookAllowCidrs('0.0.0.0/0,::/0') };
    expect(() => checkAddress('192.168.0.1', everything)).not.toThrow();
    expect(() => checkAddress('169.254.169.254', everything)).toThrow(never);
    expect(() => checkAddress('fd00:ec2::254', everything)).toThrow(never);
    expect(() => checkAddress('100.100.100.200', everything)).toThrow(never);
    expect(() => checkAddress('127.0.0.1', everything)).toThrow('127.0.0.1 is a loopback address');
  });

  it('stops a process at start with one line naming a bad WEBHOOK_ALLOW_CIDRS entry', () => {
    const schema = z.object({ WEBHOOK_ALLOW_CIDRS: webhookAllowCidrs });
    const load = (value?: string) => parseConfig(schema, { WEBHOOK_ALLOW_CIDRS: value }).WEBHOOK_ALLOW_CIDRS;
    expect(load(undefined)).toEqual([]);
    expect(load(' 10.0.0.0/8 , 2001:DB8::/32, 192.168.7.7,')).toEqual([
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.168.7.7/32',
    ]);
    for (const [value, message] of [
      ['10.0.0.0/8,intranet', '"intranet" is not a CIDR (an IPv4 or IPv6 address, then /prefix length)'],
      ['10.0.0.0/33', '"10.0.0.0/33" has no valid prefix length (0 to 32 for IPv4)'],
      ['fd00::/129', '"fd00::/129" has no valid prefix length (0 to 128 for IPv6)'],
      ['10.1.2.3/8', '10.1.2.3/8 has bits set past its /8 prefix (meant 10.0.0.0/8?)'],
      [
        '169.254.169.254/32',
        '169.254.169.254/32 is within 169.254.0.0/16 (link-local, where cloud metadata answers), which no CIDR can allow',
      ],
      ['127.0.0.0/8', '127.0.0.0/8 is within 127.0.0.0/8 (loopback), which no CIDR can allow'],
      ['fd00:ec2::254', 'fd00:ec2::254/128 is within fd00:ec2::254/128 (AWS metadata), which no CIDR can allow'],
    ]) {
      expect(() => load(value)).toThrow(`invalid configuration: WEBHOOK_ALLOW_CIDRS: ${message}`);
    }
  });
});
