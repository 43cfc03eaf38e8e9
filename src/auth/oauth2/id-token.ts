// Verifies OpenID Connect id_tokens: signature against the provider's JWKS (asymmetric algorithms
// only; `none` and HMAC are refused), then issuer, audience and lifetime.
import { createPublicKey, constants, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { OutboundClient } from '../../outbound/index.js';
import { getObject, isObject, ProviderError } from './http.js';

export interface IdTokenCheck {
  readonly jwksURL: string;
  /** Accepted `iss` values; at least one is needed. */
  readonly issuers: readonly string[];
  /** The client id, which must be among `aud`. */
  readonly audience: string;
}

export interface IdTokenVerifier {
  /** The token's claims once everything checks out; a ProviderError otherwise. */
  verify(idToken: string, check: IdTokenCheck): Promise<Readonly<Record<string, unknown>>>;
}

// Clock skew tolerated on exp/iat/nbf, in seconds.
const LEEWAY_S = 60;
const JWKS_TTL_MS = 10 * 60_000;
// A token naming an unknown key refetches the key set, but not more often than this.
const JWKS_REFETCH_MS = 30_000;

type Alg = { readonly kty: string; readonly hash: string; readonly pss?: true; readonly ec?: true; readonly curve?: string };
const ALGORITHMS: Readonly<Record<string, Alg>> = {
  RS256: { kty: 'RSA', hash: 'sha256' }, RS384: { kty: 'RSA', hash: 'sha384' }, RS512: { kty: 'RSA', hash: 'sha512' },
  PS256: { kty: 'RSA', hash: 'sha256', pss: true }, PS384: { kty: 'RSA', hash: 'sha384', pss: true }, PS512: { kty: 'RSA', hash: 'sha512', pss: true },
  ES256: { kty: 'EC', hash: 'sha256', ec: true, curve: 'P-256' }, ES384: { kty: 'EC', hash: 'sha384', ec: true, curve: 'P-384' },
  ES512: { kty: 'EC', hash: 'sha512', ec: true, curve: 'P-521' },
  EdDSA: { kty: 'OKP', hash: '' },
};

const fail = (why: string): ProviderError => new ProviderError(`Invalid id_token: ${why}.`);

function decodeSegment(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw fail('malformed');
  }
  if (!isObject(value)) throw fail('malformed');
  return value;
}

interface KeySet { readonly keys: readonly JsonWebKey[]; readonly fetchedAt: number }

export function createIdTokenVerifier(http: OutboundClient): IdTokenVerifier {
  const sets = new LRUCache<string, KeySet>({ max: 100, ttl: JWKS_TTL_MS });

  async function fetchKeys(url: string): Promise<KeySet> {
    const body = await getObject(http, url);
    const keys = Array.isArray(body.keys) ? body.keys.filter(isObject) as JsonWebKey[] : [];
    const set = { keys, fetchedAt: Date.now() };
    sets.set(url, set);
    return set;
  }

  async function keyFor(url: string, kid: string | undefined, alg: Alg): Promise<KeyObject> {
    const pick = (set: KeySet): JsonWebKey | undefined => set.keys.find((k) =>
      k.kty === alg.kty && (kid === undefined || k.kid === kid) && (k.use === undefined || k.use === 'sig') && (alg.curve === undefined || k.crv === alg.curve));
    let set = sets.get(url) ?? await fetchKeys(url);
    let jwk = pick(set);
    if (!jwk && Date.now() - set.fetchedAt >= JWKS_REFETCH_MS) {
      set = await fetchKeys(url);
      jwk = pick(set);
    }
    if (!jwk) throw fail('no matching key');
    try {
      return createPublicKey({ key: jwk, format: 'jwk' });
    } catch {
      throw fail('unusable key');
    }
  }

  return {
    async verify(idToken, check) {
      const parts = idToken.split('.');
      if (parts.length !== 3 || parts.some((p) => p === '')) throw fail('malformed');
      const header = decodeSegment(parts[0]!);
      const algName = typeof header.alg === 'string' ? header.alg : '';
      // Only asymmetric algorithms: `none` has no signature and HMAC would make the client secret a signing key.
      const alg = Object.prototype.hasOwnProperty.call(ALGORITHMS, algName) ? ALGORITHMS[algName]! : null;
      if (!alg) throw fail(`algorithm ${JSON.stringify(algName)} not accepted`);
      // RFC 7515 §4.1.11: extensions the verifier does not understand must not be ignored.
      if (header.crit !== undefined) throw fail('critical header extensions not supported');
      if (check.jwksURL === '') throw fail('no JWKS to check it against');
      if (check.issuers.length === 0) throw fail('no issuer to check it against');

      const key = await keyFor(check.jwksURL, typeof header.kid === 'string' ? header.kid : undefined, alg);
      const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
      const signature = Buffer.from(parts[2]!, 'base64url');
      const ok = verify(alg.hash === '' ? null : alg.hash, signed, {
        key,
        ...(alg.pss ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : {}),
        ...(alg.ec ? { dsaEncoding: 'ieee-p1363' as const } : {}),
      }, signature);
      if (!ok) throw fail('bad signature');

      const claims = decodeSegment(parts[1]!);
      const now = Math.floor(Date.now() / 1000);
      if (typeof claims.iss !== 'string' || !check.issuers.includes(claims.iss)) throw fail('unexpected issuer');
      const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
      if (!aud.includes(check.audience)) throw fail('unexpected audience');
      if (aud.length > 1 && claims.azp !== undefined && claims.azp !== check.audience) throw fail('unexpected authorized party');
      if (typeof claims.exp !== 'number' || claims.exp + LEEWAY_S <= now) throw fail('expired');
      if (typeof claims.iat === 'number' && claims.iat - LEEWAY_S > now) throw fail('issued in the future');
      if (typeof claims.nbf === 'number' && claims.nbf - LEEWAY_S > now) throw fail('not yet valid');
      if (typeof claims.sub !== 'string' || claims.sub === '') throw fail('no subject');
      return claims;
    },
  };
}
