// PocketBase's auth JWTs: HS256, signed with the record's tokenKey + the collection's token secret,
// plus Mainspring's `sid` claim naming a server-side session.
import { createDecoder, createSigner, createVerifier } from 'fast-jwt';

export interface AuthClaims {
  readonly id: string;
  readonly collectionId: string;
  readonly type: 'auth';
  readonly refreshable: boolean;
  readonly sid: string;
  readonly exp: number;
}

const decode = createDecoder();

/** A JWT's payload object, unverified; null for an oversized or malformed token. */
function payloadOf<T>(token: string): Partial<T> | null {
  if (token.length > 4096) return null;
  try {
    const payload: unknown = decode(token);
    return payload !== null && typeof payload === 'object' ? (payload as Partial<T>) : null;
  } catch {
    return null;
  }
}

/** The claims of a well-formed auth token, unverified; null for anything else. */
export function peekAuthClaims(token: string): AuthClaims | null {
  const p = payloadOf<AuthClaims>(token);
  if (!p || p.type !== 'auth') return null;
  if (typeof p.id !== 'string' || typeof p.collectionId !== 'string' || typeof p.sid !== 'string' || typeof p.exp !== 'number') return null;
  return { id: p.id, collectionId: p.collectionId, type: 'auth', refreshable: p.refreshable === true, sid: p.sid, exp: p.exp };
}

export function signAuthToken(key: string, claims: Omit<AuthClaims, 'type' | 'exp'>, durationSeconds: number): string {
  const sign = createSigner({ key, algorithm: 'HS256', noTimestamp: true });
  const exp = Math.floor(Date.now() / 1000) + durationSeconds;
  return sign({ id: claims.id, collectionId: claims.collectionId, type: 'auth', refreshable: claims.refreshable, sid: claims.sid, exp });
}

/** True when the signature (HS256 only: never `none` or another algorithm) and `exp` are good. */
export function verifyAuthToken(token: string, key: string): boolean {
  try {
    createVerifier({ key, algorithms: ['HS256'], cache: false })(token);
    return true;
  } catch {
    return false;
  }
}

/** The single-use action tokens PocketBase mails: stateless, made useless by the change they confirm. */
export type ActionTokenType = 'verification' | 'passwordReset' | 'emailChange';

export interface ActionClaims {
  readonly id: string;
  readonly collectionId: string;
  readonly type: ActionTokenType;
  readonly email: string;
  /** emailChange: the address being confirmed. */
  readonly newEmail?: string;
  readonly exp: number;
}

/** The claims of a well-formed action token of `type`, unverified; null for anything else. */
export function peekActionClaims(token: string, type: ActionTokenType): ActionClaims | null {
  const p = payloadOf<ActionClaims>(token);
  if (!p || p.type !== type) return null;
  if (typeof p.id !== 'string' || typeof p.collectionId !== 'string' || typeof p.email !== 'string' || typeof p.exp !== 'number') return null;
  if (type === 'emailChange' && typeof p.newEmail !== 'string') return null;
  return { id: p.id, collectionId: p.collectionId, type, email: p.email, ...(type === 'emailChange' ? { newEmail: p.newEmail } : {}), exp: p.exp };
}

export function signActionToken(key: string, type: ActionTokenType, claims: Omit<ActionClaims, 'type' | 'exp'>, durationSeconds: number): string {
  const sign = createSigner({ key, algorithm: 'HS256', noTimestamp: true });
  const exp = Math.floor(Date.now() / 1000) + durationSeconds;
  return sign({ id: claims.id, collectionId: claims.collectionId, type, email: claims.email, ...(claims.newEmail === undefined ? {} : { newEmail: claims.newEmail }), exp });
}
