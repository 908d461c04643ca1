import { crossSiteReason } from './cross-site-refusal';

const PUBLIC = 'https://self-service.example.com';

describe('crossSiteReason', () => {
  it.each([
    ['cross-site', { 'sec-fetch-site': 'cross-site' }, 'sec-fetch-site'],
    ['same-site', { 'sec-fetch-site': 'same-site' }, 'sec-fetch-site'],
    ['a value no browser sends', { 'sec-fetch-site': 'same-origin, cross-site' }, 'sec-fetch-site'],
    ['the header twice', { 'sec-fetch-site': ['same-origin', 'cross-site'] }, 'sec-fetch-site'],
    ['a foreign origin', { origin: 'https://attacker.example' }, 'origin'],
    ['the null origin', { origin: 'null' }, 'origin'],
    ['the public host over http', { origin: 'http://self-service.example.com' }, 'origin'],
    ['the public host on another port', { origin: 'https://self-service.example.com:8443' }, 'origin'],
    ['a name below the public one', { origin: 'https://evil.self-service.example.com' }, 'origin'],
    ['same-origin said from a foreign origin', { 'sec-fetch-site': 'same-origin', origin: 'https://x.test' }, 'origin'],
  ])('refuses %s', (_name, headers, reason) => {
    expect(crossSiteReason(headers, new URL(PUBLIC).origin)).toBe(reason);
  });

  it.each([
    ['neither header (curl, oshift, scripts)', {}],
    ['the public origin', { origin: PUBLIC }],
    ['the page itself', { 'sec-fetch-site': 'same-origin', origin: PUBLIC }],
    ['the address bar', { 'sec-fetch-site': 'none' }],
  ])('lets %s through', (_name, headers) => {
    expect(crossSiteReason(headers, new URL(PUBLIC).origin)).toBeUndefined();
  });
});
