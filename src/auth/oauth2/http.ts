// Talking to a provider: JSON reads with a bearer token, and the errors that become "Failed to authenticate.".
import type { OutboundClient } from '../../outbound/index.js';

/** Anything that went wrong with the provider: the sign-in fails with a 400, the detail is only logged. */
export class ProviderError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProviderError';
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** GET `url` as JSON (optionally with a bearer token); a non-2xx answer or a non-object body is a ProviderError. */
export async function getJson(http: OutboundClient, url: string, accessToken?: string, headers: Record<string, string> = {}): Promise<Record<string, unknown> | unknown[]> {
  const res = await http.request({
    url,
    headers: { accept: 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}), ...headers },
  });
  if (res.status < 200 || res.status >= 300) throw new ProviderError(`${new URL(url).host} answered ${res.status}.`);
  const body = res.json();
  if (!isObject(body) && !Array.isArray(body)) throw new ProviderError(`${new URL(url).host} answered no JSON object.`);
  return body;
}

export async function getObject(http: OutboundClient, url: string, accessToken?: string, headers?: Record<string, string>): Promise<Record<string, unknown>> {
  const body = await getJson(http, url, accessToken, headers);
  if (!isObject(body)) throw new ProviderError(`${new URL(url).host} answered no JSON object.`);
  return body;
}
