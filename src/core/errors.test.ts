import { describe, expect, it } from 'vitest';
import { AppError, DEFAULT_MESSAGES, HTTP_STATUS, ValidationError, fieldError, toErrorBody, type ErrorCode } from './errors.js';

const EXPECTED: Record<ErrorCode, number> = {
  bad_request: 400, validation_failed: 400, unauthorized: 401, forbidden: 403, not_found: 404, method_not_allowed: 405,
  payload_too_large: 413, unsupported_media_type: 415, rate_limited: 429, unavailable: 503, internal: 500,
};

describe('error codes', () => {
  it.each(Object.keys(HTTP_STATUS) as ErrorCode[])('%s maps to its status with the default message and empty data', (code) => {
    expect(toErrorBody(new AppError(code))).toEqual({ status: EXPECTED[code], message: DEFAULT_MESSAGES[code], data: {} });
  });

  it('covers every code in the expectations table', () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('uses PocketBase messages where PocketBase has one', () => {
    expect(DEFAULT_MESSAGES.bad_request).toBe('Something went wrong while processing your request.');
    expect(DEFAULT_MESSAGES.unauthorized).toBe('Missing or invalid authentication.');
    expect(DEFAULT_MESSAGES.forbidden).toBe('You are not allowed to perform this request.');
    expect(DEFAULT_MESSAGES.not_found).toBe("The requested resource wasn't found.");
    expect(DEFAULT_MESSAGES.payload_too_large).toBe('Request entity too large.');
    expect(DEFAULT_MESSAGES.rate_limited).toBe('Too Many Requests.');
  });

  it('keeps field errors in data', () => {
    const err = new ValidationError('Failed to create record.', { title: fieldError('validation_required', 'Cannot be blank.') });
    expect(toErrorBody(err)).toEqual({
      status: 400, message: 'Failed to create record.', data: { title: { code: 'validation_required', message: 'Cannot be blank.' } },
    });
  });

  it('never leaks the text of an unexpected error', () => {
    const body = toErrorBody(new Error('connection to 10.0.0.5 refused: password=hunter2'));
    expect(body).toEqual({ status: 500, message: DEFAULT_MESSAGES.internal, data: {} });
    expect(toErrorBody('a string')).toEqual({ status: 500, message: DEFAULT_MESSAGES.internal, data: {} });
  });
});
