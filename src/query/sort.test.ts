import { describe, expect, it } from 'vitest';
import { AppError, DEFAULT_MESSAGES } from '../core/errors.js';
import type { PathModifier } from './ast.js';
import { parseSort } from './sort.js';
import type { SortTerm } from './sort.js';

const asc = (...segments: string[]): SortTerm => ({ path: { kind: 'path', segments, modifier: null }, direction: 'asc' });
const desc = (...segments: string[]): SortTerm => ({ path: { kind: 'path', segments, modifier: null }, direction: 'desc' });
const withModifier = (modifier: PathModifier, term: SortTerm): SortTerm =>
  ({ ...term, path: { ...(term.path as Extract<SortTerm['path'], { kind: 'path' }>), modifier } });

describe('parseSort: valid', () => {
  const cases: ReadonlyArray<{ input: string; expected: SortTerm[] }> = [
    { input: '', expected: [] },
    { input: 'title', expected: [asc('title')] },
    { input: '-created', expected: [desc('created')] },
    { input: '+title', expected: [asc('title')] },
    { input: 'a,-b,+c', expected: [asc('a'), desc('b'), asc('c')] },
    { input: ' -a , b\t', expected: [desc('a'), asc('b')] },
    { input: '@random', expected: [{ path: { kind: 'random' }, direction: 'asc' }] },
    { input: '-@rowid', expected: [{ path: { kind: 'rowid' }, direction: 'desc' }] },
    { input: '-@random,id', expected: [{ path: { kind: 'random' }, direction: 'desc' }, asc('id')] },
    { input: 'author.profile.name', expected: [asc('author', 'profile', 'name')] },
    { input: '-comments_via_post.created', expected: [desc('comments_via_post', 'created')] },
    { input: 'meta.items.0', expected: [asc('meta', 'items', '0')] },
    { input: 'title:lower', expected: [withModifier('lower', asc('title'))] },
    { input: '-tags:length', expected: [withModifier('length', desc('tags'))] },
    { input: '_private', expected: [asc('_private')] },
    // Sort keys skip fexpr, so PocketBase takes field names that start with a digit.
    { input: '1st', expected: [asc('1st')] },
    { input: 'a,b,c,d,e,f,g,h', expected: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) => asc(n)) },
    { input: `-${'x'.repeat(255)}`, expected: [desc('x'.repeat(255))] },
  ];

  it.each(cases)('$input', ({ input, expected }) => {
    expect(parseSort(input)).toEqual(expected);
  });
});

describe('parseSort: invalid answers 400', () => {
  const cases: readonly string[] = [
    ' ',
    ',',
    'a,',
    ',a',
    'a,,b',
    '--a',
    '+-a',
    '-+a',
    '- a',
    'a b',
    'a..b',
    'a.',
    '.a',
    'a:upper',
    'a:lower.b',
    '@now',
    '@random:lower',
    '@rowid.x',
    '@RANDOM',
    '@request',
    '@request.foo',
    "title'",
    'title;drop',
    'tïtle',
    'a,b,c,d,e,f,g,h,i',
    'x'.repeat(256),
    `${'a,'.repeat(100_000)}a`,
  ];

  it.each(cases.map((input) => [input.length > 40 ? `${input.slice(0, 40)}...` : input, input]))('%s', (_label, input) => {
    let caught: unknown;
    try {
      parseSort(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('bad_request');
    expect((caught as AppError).message).toBe(DEFAULT_MESSAGES.bad_request);
  });
});
