/**
 * Malformed HTTP requests for the gateway, reproducible from a seed: broken Basic credentials, undecodable or
 * oversized bodies, odd path segments, header injection attempts and broken framing. Each request is raw bytes
 * (what `fetch` would refuse to send) and asks the server to close the connection after answering.
 */

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same requests on every machine. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  bytes(length: number, from = 0, to = 255): Buffer {
    return Buffer.from(Array.from({ length }, () => this.int(from, to)));
  }
}

export interface Credentials {
  username: string;
  password: string;
}

/** What the requests aim at: a real cluster and real users, so that malformed input reaches deep code paths. */
export interface FuzzTarget {
  clusterId: string;
  operator: Credentials;
  viewer: Credentials;
  bodyLimitBytes: number;
}

/** One generated request. */
export interface MalformedRequest {
  /** Category and variant, for the test's summary. */
  kind: string;
  bytes: Buffer;
  /** A HEAD request: its answer has no body. */
  head: boolean;
  /** A CONNECT request: Node closes the connection without an answer (the gateway is not a proxy). */
  tunnel: boolean;
}

type HeaderValue = string | Buffer;
interface RawRequest {
  method?: string;
  target: string | Buffer;
  version?: string;
  headers?: [string | Buffer, HeaderValue][];
  body?: Buffer;
  /** `auto` (default): Content-Length of the body when there is one; `none`: leave framing to the headers given. */
  length?: 'auto' | 'none';
}

const CRLF = '\r\n';
const ROUTES = ['nodestatus', 'job', 'reboot'] as const;
const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/** Path segment material: traversal, NUL, bad or overlong percent-encoding, unicode, separators, HTML. */
const ODD_SEGMENTS = [
  '%00',
  '..',
  '%2e%2e',
  '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
  '..%2f..%2f',
  '%2f',
  '%5c',
  '%25',
  '%',
  '%zz',
  '%e0%a4%a',
  '%c0%af',
  '%c0%ae%c0%ae',
  '%ff%fe',
  '%E2%80%AE',
  '%F0%9F%92%A9',
  '%ef%bf%bd',
  '%0d%0aSet-Cookie:%20x=1',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  ';',
  ';jsessionid=1',
  '.',
  '~',
  '*',
  '@',
  ':',
  '$',
  '!',
  "'",
  '(',
  '+',
  ',',
  '=',
  '&',
  '',
];
const ODD_RAW_BYTES = ['\u00e9', '\u202e', '\u{1F4A9}', '\\', '"', '<', '>', '{', '}', '|', '^', '`', '\t'];
const CONTENT_TYPES = [
  'text/xml',
  'text/plain',
  'text/html',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=utf-32',
  'application/json, text/html',
  'application/json;;;',
  'application/',
  '/',
  ';',
  'application/xml',
  'application/octet-stream',
  'application/x-www-form-urlencoded ; charset=UTF-8',
  'APPLICATION/JSON',
];

/** Builds malformed requests against `target`, deterministically from `seed`. */
export class MalformedRequestFactory {
  private readonly random: SeededRandom;
  private readonly generators: [number, () => MalformedRequest][];

  constructor(
    private readonly target: FuzzTarget,
    seed: number,
  ) {
    this.random = new SeededRandom(seed);
    this.generators = [
      [20, () => this.brokenBasic()],
      [20, () => this.badBody()],
      [25, () => this.oddPath()],
      [20, () => this.headerInjection()],
      [15, () => this.brokenFraming()],
    ];
  }

  /** `count` requests, the same ones for the same seed. */
  take(count: number): MalformedRequest[] {
    return Array.from({ length: count }, () => this.next());
  }

  next(): MalformedRequest {
    const total = this.generators.reduce((sum, [weight]) => sum + weight, 0);
    let roll = this.random.next() * total;
    for (const [weight, generate] of this.generators) {
      roll -= weight;
      if (roll < 0) return generate();
    }
    return this.generators[0][1]();
  }

  /** Authorization headers that are not valid Basic credentials (or valid ones for a wrong password). */
  private brokenBasic(): MalformedRequest {
    const r = this.random;
    const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64');
    const variants: [string, () => HeaderValue | HeaderValue[]][] = [
      ['no-colon', () => `Basic ${b64(`${this.target.operator.username}${this.target.operator.password}`)}`],
      ['bad-base64', () => `Basic ${r.pick(['!!!!', '====', 'a', 'YQ', 'Y=Q=', '%%%', '####abc', '\u00e9\u00e9'])}`],
      ['huge', () => `Basic ${'QUFB'.repeat(r.int(250, 3500))}`],
      ['over-header-limit', () => `Basic ${'A'.repeat(r.int(17000, 40000))}`],
      ['raw-non-utf8', () => Buffer.concat([Buffer.from('Basic '), r.bytes(r.int(1, 64), 0x80, 0xff)])],
      ['non-utf8-user', () => `Basic ${b64(Buffer.concat([r.bytes(4, 0x80, 0xff), Buffer.from(':pw')]))}`],
      [
        'nul',
        () =>
          `Basic ${b64(r.pick(['a\u0000b:pw', 'user:p\u0000w', '\u0000:\u0000', `${this.target.viewer.username}\u0000:x`]))}`,
      ],
      ['empty-user', () => `Basic ${b64(`:${this.target.operator.password}`)}`],
      ['empty-password', () => `Basic ${b64(`${this.target.operator.username}:`)}`],
      ['empty', () => r.pick(['', 'Basic', 'Basic ', 'Basic  ', ' ', 'basic', 'BASIC x'])],
      ['other-scheme', () => r.pick(['Bearer', 'Bearer ', 'Bearer x.y.z', 'Digest username="a"', 'Negotiate YQ=='])],
      ['wrong-password', () => `Basic ${b64(`${this.target.operator.username}:${'x:'.repeat(r.int(1, 5))}`)}`],
      ['long-user', () => `Basic ${b64(`${'u'.repeat(r.int(300, 6000))}:pw`)}`],
      ['twice', () => [`Basic ${b64('a:b')}`, this.basic(this.target.operator)]],
    ];
    const [name, make] = r.pick(variants);
    const values = [make()].flat();
    const route = r.pick(ROUTES);
    return this.request(`basic/${name}`, {
      method: route === 'reboot' ? 'POST' : 'GET',
      target: this.routePath(route, this.target.clusterId),
      headers: [
        ['Host', 'gateway.test'],
        ...values.map((value): [string, HeaderValue] => ['Authorization', value]),
        ...(route === 'reboot' ? [['Content-Type', 'application/x-www-form-urlencoded'] as [string, string]] : []),
      ],
      body: route === 'reboot' ? Buffer.from('target=no-such-node') : undefined,
    });
  }

  /** `POST reboot` bodies that are not what it takes: undecodable, huge, deeply nested, wrongly typed. */
  private badBody(): MalformedRequest {
    const r = this.random;
    const limit = this.target.bodyLimitBytes;
    const json = 'application/json';
    const form = 'application/x-www-form-urlencoded';
    const nest = (depth: number) =>
      r.chance(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{"target":'.repeat(depth) + '1' + '}'.repeat(depth);
    const variants: [string, () => [string | null, Buffer]][] = [
      [
        'non-utf8-json',
        () => [json, Buffer.concat([Buffer.from('{"target":"'), r.bytes(8, 0x80, 0xff), Buffer.from('"}')])],
      ],
      ['non-utf8-form', () => [form, Buffer.concat([Buffer.from('target='), r.bytes(8, 0x80, 0xff)])]],
      ['random-bytes', () => [r.pick([json, form]), r.bytes(r.int(1, 512))]],
      ['huge', () => [r.pick([json, form]), Buffer.alloc(r.int(limit + 1, limit * 8), 'a')]],
      ['deep-json', () => [json, Buffer.from(nest(r.int(100, Math.floor(limit / 12))))]],
      ['deep-json-over-limit', () => [json, Buffer.from(nest(r.int(limit, limit * 2)))]],
      [
        'proto',
        () => [
          json,
          Buffer.from(r.pick(['{"__proto__":{"target":"x"}}', '{"constructor":{"prototype":{"target":"x"}}}'])),
        ],
      ],
      [
        'json-values',
        () => [
          json,
          Buffer.from(
            r.pick([
              'null',
              'true',
              '1e999',
              '-0',
              '"x"',
              '[]',
              '{}',
              '{"target":[]}',
              '{"target":{"a":1}}',
              '{"target":null}',
              '{"target":1e400}',
              '{"target":"a","target":"b"}',
              '{"target":"\\u0000"}',
              '{"target":"\\ud800"}',
              '',
              ' ',
              '{',
              '{"target":',
              '\u00ef\u00bb\u00bf{}',
            ]),
          ),
        ],
      ],
      ['odd-target', () => [r.pick([json, form]), this.targetBody(this.oddName())]],
      [
        'form-shapes',
        () => [
          form,
          Buffer.from(
            r.pick([
              'target',
              '=',
              '&&&',
              'target=',
              'target=a&target=b',
              'target[]=x',
              'target[a]=x',
              '%ZZ=1',
              'target=%ZZ',
              'target=%00',
              `${'k'.repeat(3000)}=v`,
              'target=%E2%80%AE',
            ]),
          ),
        ],
      ],
      ['wrong-type', () => [r.pick(CONTENT_TYPES), Buffer.from(r.pick(['target=x', '{"target":"x"}', '<a/>']))]],
      ['no-type', () => [null, Buffer.from('target=x')]],
      ['encoded', () => [json, Buffer.from('{"target":"x"}')]],
    ];
    const [name, make] = r.pick(variants);
    const [contentType, body] = make();
    const headers: [string, HeaderValue][] = [
      ['Host', 'gateway.test'],
      ['Authorization', this.basic(this.target.operator)],
    ];
    if (contentType !== null) headers.push(['Content-Type', contentType]);
    if (name === 'encoded') headers.push(['Content-Encoding', r.pick(['gzip', 'br', 'deflate', 'x-unknown'])]);
    const chunked = r.chance(0.15) && body.length > 0;
    if (chunked) headers.push(['Transfer-Encoding', 'chunked']);
    return this.request(`body/${name}${chunked ? '/chunked' : ''}`, {
      method: 'POST',
      target: this.routePath('reboot', this.target.clusterId),
      headers,
      body: chunked ? chunk(body, r.int(1, 4096)) : body,
      length: chunked ? 'none' : 'auto',
    });
  }

  /** Traversal, NUL, unicode and over-long values where a cluster id, job id or node name goes. */
  private oddPath(): MalformedRequest {
    const r = this.random;
    const route = r.pick(ROUTES);
    const realCluster = r.chance(0.5);
    const cluster = realCluster ? this.target.clusterId : this.oddSegment();
    const method = r.chance(0.75) ? (route === 'reboot' ? 'POST' : r.pick(['GET', 'HEAD'])) : r.pick(METHODS);
    const job = this.oddSegment();
    let target: string | Buffer = this.routePath(route, cluster, job);
    if (r.chance(0.1))
      target = `${target}${r.pick(['/', '//', '/..', '?', '?a=%ZZ', '?__proto__[x]=1', '#frag', '/%2e'])}`;
    if (r.chance(0.1)) target = Buffer.concat([Buffer.from(target), Buffer.from(r.pick(ODD_RAW_BYTES), 'utf8')]);
    const user = r.chance(0.85) ? r.pick([this.target.operator, this.target.viewer]) : null;
    const headers: [string, HeaderValue][] = [['Host', 'gateway.test']];
    if (user) headers.push(['Authorization', this.basic(user)]);
    let body: Buffer | undefined;
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const type = r.pick(['application/x-www-form-urlencoded', 'application/json']);
      headers.push(['Content-Type', type]);
      body = this.targetBody(this.oddName(), type === 'application/json');
    }
    const where = route === 'job' && realCluster ? 'job-id' : route === 'reboot' && realCluster ? 'node' : 'cluster';
    return this.request(`path/${where}`, { method, target, headers, body });
  }

  /** CR/LF/NUL in header values, odd Host headers, odd request ids, bad header names, odd request lines. */
  private headerInjection(): MalformedRequest {
    const r = this.random;
    const path = this.routePath(r.pick(['nodestatus', 'job']), this.target.clusterId);
    const auth: [string, HeaderValue] = ['Authorization', this.basic(this.target.viewer)];
    const variants: [string, () => RawRequest][] = [
      [
        'crlf-value',
        () => ({
          target: path,
          headers: [
            ['Host', 'gateway.test'],
            auth,
            ['X-Note', `a${r.pick(['\r\n', '\r', '\n', '\r\n\r\n', '\0', '\r\n '])}X-Injected: 1`],
          ],
        }),
      ],
      [
        'smuggle',
        () => ({
          target: path,
          headers: [
            ['Host', 'gateway.test'],
            auth,
            ['X-Note', `a\r\nContent-Length: 0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x`],
          ],
        }),
      ],
      ['fold', () => ({ target: path, headers: [['Host', 'gateway.test'], auth, ['X-Note', 'a\r\n folded']] })],
      [
        'host',
        () => ({
          target: path,
          headers: [
            [
              'Host',
              r.pick([
                '',
                ' ',
                'evil.example',
                'a b',
                'evil.example:99999',
                'a@b',
                '[::1',
                'h\tx',
                '.',
                '..',
                'x'.repeat(r.int(300, 8000)),
                '\u00e9.example',
                'localhost:0',
                'evil.example\r\nX-Injected: 1',
              ]),
            ],
            auth,
          ],
        }),
      ],
      [
        'host-raw-bytes',
        () => ({ target: path, headers: [['Host', Buffer.concat([Buffer.from('h'), r.bytes(6, 0x80, 0xff)])], auth] }),
      ],
      ['no-host', () => ({ target: path, headers: [auth] })],
      ['two-hosts', () => ({ target: path, headers: [['Host', 'a.example'], ['Host', 'b.example'], auth] })],
      [
        'forwarded',
        () => ({
          target: path,
          headers: [
            ['Host', 'gateway.test'],
            auth,
            [
              r.pick(['X-Forwarded-Host', 'X-Forwarded-Proto', 'Forwarded', 'X-Forwarded-For']),
              r.pick(['evil.example', '<script>', '"', 'for=;;;', '999.999.999.999', 'x'.repeat(4000)]),
            ],
          ],
        }),
      ],
      [
        'request-id',
        () => ({
          target: path,
          headers: [
            ['Host', 'gateway.test'],
            auth,
            [
              'X-Request-Id',
              r.pick([
                '%0d%0aX-Injected:%201',
                '<script>',
                'x'.repeat(r.int(65, 5000)),
                '\u00e9',
                '../../',
                ' ',
                'a b',
              ]),
            ],
          ],
        }),
      ],
      [
        'bad-name',
        () => ({
          target: path,
          headers: [
            ['Host', 'gateway.test'],
            auth,
            [r.pick(['Bad Header', ':x', 'X-\u0001', 'X(y)', '', 'X-\u00e9', 'X\tY']), 'v'],
          ],
        }),
      ],
      [
        'many-headers',
        () => ({
          target: path,
          headers: [
            ['Host', 'gateway.test'],
            auth,
            ...Array.from({ length: r.int(100, 3000) }, (_, i): [string, string] => [`X-${i}`, 'v']),
          ],
        }),
      ],
      [
        'method',
        () => ({
          method: r.pick([
            'get',
            'BREW',
            'G ET',
            'GET\t',
            'TRACE',
            'CONNECT',
            'PRI',
            'M-SEARCH',
            'PROPFIND',
            'ÄÖ',
            'X'.repeat(300),
          ]),
          target: path,
          headers: [['Host', 'gateway.test'], auth],
        }),
      ],
      [
        'version',
        () => ({
          target: path,
          version: r.pick([
            'HTTP/1.0',
            'HTTP/1.2',
            'HTTP/2.0',
            'HTTP/0.9',
            'HTTP/1',
            'http/1.1',
            'HTTP/1.1 x',
            'HTTPS/1.1',
            '',
          ]),
          headers: [['Host', 'gateway.test'], auth],
        }),
      ],
      [
        'request-target',
        () => ({
          target: r.pick([
            '*',
            `http://evil.example${path}`,
            'evil.example:443',
            `//${path}`,
            path.replace(/\//g, '\\'),
            `${path} x`,
            '',
            'x',
          ]),
          headers: [['Host', 'gateway.test'], auth],
        }),
      ],
      [
        'expect',
        () => ({
          method: 'POST',
          target: this.routePath('reboot', this.target.clusterId),
          headers: [
            ['Host', 'gateway.test'],
            ['Authorization', this.basic(this.target.operator)],
            ['Expect', r.pick(['100-continue', '200-ok', 'x', ''])],
            ['Content-Type', 'application/json'],
          ],
          body: Buffer.from('{}'),
        }),
      ],
      [
        'upgrade',
        () => ({
          target: path,
          headers: [
            ['Host', 'gateway.test'],
            auth,
            ['Connection', 'Upgrade'],
            ['Upgrade', r.pick(['websocket', 'h2c', 'x'])],
          ],
        }),
      ],
    ];
    const [name, make] = r.pick(variants);
    const request = make();
    const method = request.method ?? 'GET';
    const tunnel = method === 'CONNECT';
    return { ...this.request(`header/${name}`, request), tunnel };
  }

  /** Message framing the HTTP parser must refuse or resolve: conflicting or bad lengths, broken chunks. */
  private brokenFraming(): MalformedRequest {
    const r = this.random;
    const target = this.routePath('reboot', this.target.clusterId);
    const base: [string, HeaderValue][] = [
      ['Host', 'gateway.test'],
      ['Authorization', this.basic(this.target.operator)],
      ['Content-Type', 'application/x-www-form-urlencoded'],
    ];
    const body = Buffer.from('target=no-such-node');
    const variants: [string, () => RawRequest][] = [
      [
        'cl-and-te',
        () => ({
          method: 'POST',
          target,
          headers: [...base, ['Content-Length', String(body.length)], ['Transfer-Encoding', 'chunked']],
          body: chunk(body, 5),
          length: 'none',
        }),
      ],
      [
        'two-cl',
        () => ({
          method: 'POST',
          target,
          headers: [
            ...base,
            ['Content-Length', String(body.length)],
            ['Content-Length', String(body.length + r.int(1, 5))],
          ],
          body,
          length: 'none',
        }),
      ],
      [
        'bad-cl',
        () => ({
          method: 'POST',
          target,
          headers: [
            ...base,
            ['Content-Length', r.pick(['-1', '+20', '0x14', '20 20', '1e2', 'abc', '99999999999999999999', ''])],
          ],
          body,
          length: 'none',
        }),
      ],
      [
        'cl-short',
        () => ({
          method: 'POST',
          target,
          headers: [...base, ['Content-Length', String(r.int(0, body.length - 1))]],
          body,
          length: 'none',
        }),
      ],
      [
        'cl-over-limit',
        () => ({
          method: 'POST',
          target,
          headers: [...base, ['Content-Length', String(this.target.bodyLimitBytes * r.int(2, 1000))]],
          body,
          length: 'none',
        }),
      ],
      [
        'te-odd',
        () => ({
          method: 'POST',
          target,
          headers: [
            ...base,
            [
              'Transfer-Encoding',
              r.pick(['gzip', 'chunked, gzip', 'identity', 'xchunked', 'chunked\u000b', ' chunked']),
            ],
          ],
          body: chunk(body, 7),
          length: 'none',
        }),
      ],
      [
        'bad-chunk',
        () => ({
          method: 'POST',
          target,
          headers: [...base, ['Transfer-Encoding', 'chunked']],
          body: Buffer.from(
            r.pick([
              'zz\r\nabc\r\n0\r\n\r\n',
              '3\r\nabcdef\r\n0\r\n\r\n',
              '-1\r\nx\r\n0\r\n\r\n',
              '3;ext="\r\nabc\r\n0\r\n\r\n',
              'fffffffffffffffff\r\nx\r\n0\r\n\r\n',
              '3\nabc\n0\n\n',
            ]),
          ),
          length: 'none',
        }),
      ],
      ['garbage', () => ({ method: '', target: r.bytes(r.int(1, 200), 0, 255), version: '', headers: [] })],
    ];
    const [name, make] = r.pick(variants);
    return this.request(`framing/${name}`, make());
  }

  private request(kind: string, raw: RawRequest): MalformedRequest {
    const method = raw.method ?? 'GET';
    const version = raw.version ?? 'HTTP/1.1';
    const headers = [...(raw.headers ?? [])];
    if ((raw.length ?? 'auto') === 'auto' && raw.body !== undefined)
      headers.push(['Content-Length', String(raw.body.length)]);
    headers.push(['Connection', 'close']);
    const line = Buffer.concat([
      Buffer.from(method ? `${method} ` : ''),
      Buffer.from(raw.target),
      Buffer.from(version ? ` ${version}` : ''),
      Buffer.from(CRLF),
    ]);
    const headerBytes = headers.map(([name, value]) =>
      Buffer.concat([Buffer.from(name), Buffer.from(': '), Buffer.from(value), Buffer.from(CRLF)]),
    );
    const bytes = Buffer.concat([line, ...headerBytes, Buffer.from(CRLF), raw.body ?? Buffer.alloc(0)]);
    return { kind, bytes, head: method === 'HEAD', tunnel: false };
  }

  private routePath(route: (typeof ROUTES)[number], cluster: string, job = this.oddSegment()): string {
    const base = `/api/openshift/${cluster}`;
    return route === 'job' ? `${base}/job/${job}` : `${base}/${route}`;
  }

  /** One path segment made of odd material, sometimes around real-looking text, sometimes very long. */
  private oddSegment(): string {
    const r = this.random;
    const parts = Array.from({ length: r.int(1, 4) }, () => r.pick(ODD_SEGMENTS));
    if (r.chance(0.3)) parts.splice(r.int(0, parts.length), 0, this.target.clusterId);
    if (r.chance(0.1)) parts.push('a'.repeat(r.int(200, 5000)));
    return parts.join('');
  }

  /** A node name no cluster has: traversal, control characters, unicode, HTML, or too long. */
  private oddName(): string {
    const r = this.random;
    return r.pick([
      '../etc/passwd',
      '..\\..\\windows',
      'worker-0.openstacklocal\u0000',
      'worker-0.openstacklocal/../master-0',
      '\u0000',
      '',
      ' ',
      '.',
      '-worker',
      'worker-0.openstacklocal\r\nX-Injected: 1',
      'w\u00f6rker-0',
      '\u202eworker',
      '\ud800',
      '<script>alert(1)</script>',
      '%2e%2e%2f',
      'x'.repeat(r.int(254, 6000)),
      `worker-${r.int(100, 999)}.openstacklocal`,
      '${jndi:ldap://x}',
      "'; DROP TABLE jobs; --",
    ]);
  }

  private targetBody(name: string, asJson = this.random.chance(0.5)): Buffer {
    return Buffer.from(asJson ? JSON.stringify({ target: name }) : `target=${encodeURIComponent(safe(name))}`);
  }

  private basic(user: Credentials): string {
    return `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  }
}

/** `body` in chunked transfer coding, in pieces of `size` bytes. */
function chunk(body: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += size) {
    const piece = body.subarray(offset, offset + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from(CRLF));
  }
  parts.push(Buffer.from(`0${CRLF}${CRLF}`));
  return Buffer.concat(parts);
}

/** A lone surrogate cannot be percent-encoded: replace it (the JSON body keeps it as-is). */
function safe(name: string): string {
  return name.replace(/[\ud800-\udfff]/g, '\ufffd');
}
