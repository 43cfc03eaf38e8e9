// What a client may see when something fails, and its one HTTP mapping.
// Messages follow PocketBase's where it has one for the same case (API.md §1).

export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

/** One field's failure, with PocketBase's `validation_*` code. */
export type FieldError = {
  readonly code: string;
  readonly message: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** A failed batch item carries the error reply that item got (PocketBase's batch_request_failed). */
  readonly response?: ErrorBody;
};
/** Field errors may nest (batch: data.requests.1.response), as PocketBase's do. */
export type FieldErrors = { readonly [key: string]: FieldError | FieldErrors };

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export const DEFAULT_MESSAGES: Readonly<Record<ErrorCode, string>> = {
  bad_request: 'Something went wrong while processing your request.',
  validation_failed: 'Something went wrong while processing your request.',
  unauthorized: 'Missing or invalid authentication.',
  forbidden: 'You are not allowed to perform this request.',
  not_found: "The requested resource wasn't found.",
  method_not_allowed: 'Method not allowed.',
  payload_too_large: 'Request entity too large.',
  unsupported_media_type: 'Unsupported media type.',
  rate_limited: 'Too Many Requests.',
  unavailable: 'Service unavailable.',
  internal: 'Something went wrong while processing your request.',
};

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_MESSAGES[code],
    readonly data: FieldErrors = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** A first factor succeeded and a second is required: 401 with the `mfaId` to send along (PocketBase's MFA). */
export class MfaRequiredError extends AppError {
  constructor(readonly mfaId: string) {
    super('unauthorized', 'Please complete the second authentication factor.');
    this.name = 'MfaRequiredError';
  }
}

/** Too many requests: 429 with a `Retry-After` of `retryAfter` seconds. */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfter: number, message?: string) {
    super('rate_limited', message);
    this.name = 'RateLimitedError';
  }
}

/** A 400 whose `data` names the fields that failed. */
export class ValidationError extends AppError {
  constructor(message: string, data: FieldErrors, options?: ErrorOptions) {
    super('validation_failed', message, data, options);
    this.name = 'ValidationError';
  }
}

export type ErrorBody = { status: number; message: string; data: FieldErrors; mfaId?: string };

/** The body and status a client sees for any thrown value; unknown errors never leak their text. */
export function toErrorBody(err: unknown): ErrorBody {
  if (!(err instanceof AppError)) {
    return { status: 500, message: DEFAULT_MESSAGES.internal, data: {} };
  }
  const body: ErrorBody = { status: HTTP_STATUS[err.code], message: err.message, data: err.data };
  return err instanceof MfaRequiredError ? { ...body, mfaId: err.mfaId } : body;
}

export function fieldError(code: string, message: string, params?: Record<string, unknown>): FieldError {
  return params ? { code, message, params } : { code, message };
}

export const badRequest = (message?: string, data?: FieldErrors): AppError => new AppError('bad_request', message, data);
export const notFound = (message?: string): AppError => new AppError('not_found', message);
export const forbidden = (message?: string): AppError => new AppError('forbidden', message);
export const unauthorized = (message?: string): AppError => new AppError('unauthorized', message);
