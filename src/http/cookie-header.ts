// Reading one cookie from a `Cookie` header and writing a `Set-Cookie` value (RFC 6265), small
// enough to keep here rather than take a dependency for the two values cookie mode needs.

export interface CookieAttributes {
  readonly httpOnly?: boolean;
  readonly secure?: boolean;
  readonly sameSite?: 'Lax' | 'Strict';
  readonly path?: string;
  /** Seconds; 0 tells the browser to drop the cookie at once. */
  readonly maxAge: number;
}

// RFC 6265 cookie-name (a token) and cookie-octet sets: what may be written without quoting.
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
// A header longer than this is not read (Node caps all headers far above it anyway).
const MAX_HEADER = 16 * 1024;

/**
 * The value of the first cookie called `name`, as sent (no percent-decoding; surrounding quotes
 * removed); undefined when absent. Browsers send the most specific path first.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > MAX_HEADER) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const value = pair.slice(eq + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}

/** One `Set-Cookie` header value; throws on a name or value that would need escaping (a bug, not input). */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  if (!NAME.test(name)) throw new TypeError(`invalid cookie name: ${name}`);
  if (!VALUE.test(value)) throw new TypeError('invalid cookie value');
  const parts = [`${name}=${value}`, `Path=${attributes.path ?? '/'}`, `Max-Age=${Math.max(0, Math.floor(attributes.maxAge))}`];
  if (attributes.httpOnly) parts.push('HttpOnly');
  if (attributes.secure) parts.push('Secure');
  if (attributes.sameSite) parts.push(`SameSite=${attributes.sameSite}`);
  return parts.join('; ');
}
