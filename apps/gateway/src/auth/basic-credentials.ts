/**
 * The user-id and password of an `Authorization: Basic …` header, as RFC 7617 defines them: the
 * user-id ends at the FIRST colon and the password is everything after it (colons included).
 * passport-http splits on every colon and keeps only the second piece, which would refuse passwords
 * containing `:` and accept `secret:anything` for the password `secret`; this parse is the one used.
 */
export function basicCredentials(header: string | undefined): { username: string; password: string } | null {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
