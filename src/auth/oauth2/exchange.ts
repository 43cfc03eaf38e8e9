// The authorization-code exchange at the token endpoint (RFC 6749 §4.1.3, with RFC 7636's verifier).
import type { OutboundClient } from '../../outbound/index.js';
import { isObject, ProviderError } from './http.js';
import type { ResolvedProvider, TokenSet } from './providers/types.js';

export interface CodeExchange {
  readonly code: string;
  readonly codeVerifier: string;
  readonly redirectURL: string;
}

export async function exchangeCode(http: OutboundClient, provider: ResolvedProvider, input: CodeExchange): Promise<TokenSet> {
  const form = new URLSearchParams({ grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectURL });
  if (provider.pkce || input.codeVerifier !== '') form.set('code_verifier', input.codeVerifier);
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
  if (provider.tokenAuth === 'client_secret_basic') {
    // RFC 6749 §2.3.1: both parts are form-encoded before base64.
    const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${enc(provider.clientId)}:${enc(provider.clientSecret)}`).toString('base64')}`;
  } else {
    form.set('client_id', provider.clientId);
    form.set('client_secret', provider.clientSecret);
  }
  const res = await http.request({ url: provider.tokenURL, method: 'POST', headers, body: form.toString() });
  const contentType = String(res.headers['content-type'] ?? '');
  // GitHub answers form-encoded unless it honours `accept`; both are read.
  const body: unknown = contentType.includes('application/x-www-form-urlencoded')
    ? Object.fromEntries(new URLSearchParams(res.text()))
    : (() => { try { return res.json(); } catch { return null; } })();
  if (res.status < 200 || res.status >= 300 || !isObject(body) || typeof body.access_token !== 'string' || body.access_token === '') {
    const error = isObject(body) && typeof body.error === 'string' ? body.error : `status ${res.status}`;
    throw new ProviderError(`The token exchange failed (${error.slice(0, 100)}).`);
  }
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : typeof body.expires_in === 'string' ? Number(body.expires_in) : NaN;
  return {
    accessToken: body.access_token,
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : '',
    expiry: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null,
    idToken: typeof body.id_token === 'string' ? body.id_token : '',
  };
}
