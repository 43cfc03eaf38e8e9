import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { DEFAULT_PER_PAGE, MAX_PER_PAGE, parseListParams } from './list.js';

describe('parseListParams', () => {
  it('defaults to page 1 of 30 with no sort, filter or skipTotal', () => {
    expect(parseListParams({})).toEqual({ page: 1, perPage: DEFAULT_PER_PAGE, sort: '', filter: '', skipTotal: false });
  });

  it.each([
    { query: { page: '3' }, page: 3, perPage: 30 },
    { query: { page: '-1' }, page: 1, perPage: 30 },
    { query: { page: '0' }, page: 1, perPage: 30 },
    { query: { page: '' }, page: 1, perPage: 30 },
    { query: { page: ' 2 ' }, page: 2, perPage: 30 },
    { query: { perPage: '100000' }, page: 1, perPage: MAX_PER_PAGE },
    { query: { perPage: '1000' }, page: 1, perPage: 1000 },
    { query: { perPage: '0' }, page: 1, perPage: DEFAULT_PER_PAGE },
    { query: { perPage: '-5' }, page: 1, perPage: DEFAULT_PER_PAGE },
    { query: { perPage: '1' }, page: 1, perPage: 1 },
    { query: { page: ['1', '4'] }, page: 1, perPage: 30 },
  ])('reads $query leniently', ({ query, page, perPage }) => {
    const params = parseListParams(query);
    expect({ page: params.page, perPage: params.perPage }).toEqual({ page, perPage });
  });

  it.each([
    { page: 'abc' },
    { page: '1.5' },
    { page: '1e2' },
    { page: '0x10' },
    { perPage: 'abc' },
    { perPage: 'NaN' },
    { perPage: 'Infinity' },
    { page: '99999999999999999999999' },
    { skipTotal: 'maybe' },
    { page: { nested: '1' } },
  ])('answers %o with a 400', (query) => {
    let caught: unknown;
    try {
      parseListParams(query);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('bad_request');
  });

  it.each([
    { value: 'true', expected: true },
    { value: '1', expected: true },
    { value: 'T', expected: true },
    { value: 'false', expected: false },
    { value: '0', expected: false },
    { value: '', expected: false },
  ])('reads skipTotal=$value as $expected', ({ value, expected }) => {
    expect(parseListParams({ skipTotal: value }).skipTotal).toBe(expected);
  });

  it('passes sort and filter through as text, the first of repeated keys counting (Go url.Values.Get)', () => {
    expect(parseListParams({ sort: ['-a', 'b'], filter: "x = 'y'" })).toMatchObject({ sort: '-a', filter: "x = 'y'" });
  });
});
