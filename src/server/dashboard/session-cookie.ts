/** The cookie that carries a dashboard session's secret. */
export const sessionCookieName = 'holdfast_session';

/**
 * The value of one cookie in a `Cookie` header. Written here rather than taken from a library:
 * the server reads exactly one cookie it set itself (base64url, nothing to decode), and parses
 * nothing else.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}

/**
 * `Set-Cookie` for a session: httpOnly (scripts never see it), SameSite=Strict (no other site's
 * page or link sends it), for the whole origin, and Secure when the request came over HTTPS.
 * `maxAgeSeconds` 0 deletes it.
 */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${sessionCookieName}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
