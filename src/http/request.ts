// The one place FastifyRequest is augmented, plus the guards routes use to demand a caller.
import type { FastifyRequest } from 'fastify';
import type { AuthState } from '../core/auth-state.js';
import { AppError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller; null for a guest (a missing, bad, expired or revoked token counts as a guest). */
    auth: AuthState | null;
  }
}

export function requireAuth(req: FastifyRequest): AuthState {
  if (!req.auth) throw new AppError('unauthorized', 'The request requires valid record authorization token.');
  return req.auth;
}

export function requireSuperuser(req: FastifyRequest): AuthState {
  if (!req.auth) throw new AppError('unauthorized', 'The request requires valid record authorization token.');
  if (!req.auth.isSuperuser) throw new AppError('forbidden', 'The authorized record is not allowed to perform this action.');
  return req.auth;
}
