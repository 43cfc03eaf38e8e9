// A small HTTP client for requests to URLs that users configure (OAuth2 providers, webhooks): it
// refuses non-public addresses after DNS resolution and connects only to the address it checked, so
// a name that resolves differently on a second lookup (DNS rebinding) cannot slip through.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress } from './address.js';

export type OutboundErrorKind = 'bad_url' | 'blocked' | 'timeout' | 'too_large' | 'network';

/** Why an outgoing request failed; `message` names no internal detail beyond the kind and host. */
export class OutboundError extends Error {
  constructor(readonly kind: OutboundErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutboundError';
  }
}

export interface OutboundRequest {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  text(): string;
  /** The body parsed as JSON; throws OutboundError('network') when it is not JSON. */
  json(): unknown;
}

/** The port: one request, no redirects followed (a 3xx comes back as it is). */
export interface OutboundClient {
  request(req: OutboundRequest): Promise<OutboundResponse>;
}

export interface OutboundOptions {
  /** Lets requests reach private and loopback addresses (MS_OUTBOUND_ALLOW_PRIVATE=1, tests). */
  readonly allowPrivate: boolean;
  /** Whole-request deadline in ms (default 10 s). */
  readonly timeoutMs?: number;
  /** Largest response body accepted, in bytes (default 1 MiB). */
  readonly maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;

function refusal(host: string, address: string): OutboundError {
  const kind = classifyAddress(address);
  return new OutboundError('blocked', `Refused to connect to ${host}: ${kind ?? 'unknown'} address.`);
}

/**
 * A `lookup` for node:net that resolves every address of the name, refuses the lot if any one is not
 * public, and hands the socket only the addresses it checked.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true, family: options.family }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((a) => classifyAddress(a.address) !== null);
      if (refused || addresses.length === 0) {
        const error = refused ? refusal(hostname, refused.address) : new OutboundError('network', `No address for ${hostname}.`);
        return callback(error as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

export function createOutboundClient(options: OutboundOptions): OutboundClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const lookup = guardedLookup(options.allowPrivate);

  return {
    request(req) {
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        return Promise.reject(new OutboundError('bad_url', 'Invalid URL.'));
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new OutboundError('bad_url', 'Only http and https URLs are allowed.'));
      if (url.username !== '' || url.password !== '') return Promise.reject(new OutboundError('bad_url', 'Credentials in URLs are not allowed.'));
      // NOTE: node:net skips `lookup` for an IP literal, so a literal is checked here.
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) !== 0 && !options.allowPrivate && classifyAddress(host) !== null) return Promise.reject(refusal(host, host));

      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise<OutboundResponse>((resolve, reject) => {
        const headers: Record<string, string> = { 'user-agent': 'Mainspring', ...req.headers };
        if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
        const outgoing = send(url, { method: req.method ?? 'GET', headers, lookup, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              fail(new OutboundError('too_large', `Response from ${url.host} is larger than ${maxBytes} bytes.`));
              outgoing.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', fail);
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            const body = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body,
              text: () => body.toString('utf8'),
              json() {
                try {
                  return JSON.parse(body.toString('utf8')) as unknown;
                } catch (err) {
                  throw new OutboundError('network', `Response from ${url.host} is not JSON.`, { cause: err });
                }
              },
            });
          });
        });
        let settled = false;
        const timer = setTimeout(() => {
          fail(new OutboundError('timeout', `Request to ${url.host} timed out.`));
          outgoing.destroy();
        }, timeoutMs);
        function fail(err: Error): void {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(err instanceof OutboundError ? err : new OutboundError('network', `Request to ${url.host} failed.`, { cause: err }));
        }
        outgoing.on('error', fail);
        outgoing.end(req.body);
      });
    },
  };
}
