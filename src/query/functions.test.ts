import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { parseStrftimeFormat, parseTimeModifier } from './functions.js';

describe('strftime arguments', () => {
  it.each([
    { format: '%Y-%m', tokens: [{ spec: 'Y' }, { literal: '-' }, { spec: 'm' }] },
    { format: '100%%', tokens: [{ literal: '100%' }] },
    { format: '%F', tokens: [{ spec: 'Y' }, { literal: '-' }, { spec: 'm' }, { literal: '-' }, { spec: 'd' }] },
    { format: '%T%f', tokens: [{ spec: 'H' }, { literal: ':' }, { spec: 'M' }, { literal: ':' }, { spec: 'S' }, { spec: 'f' }] },
    { format: '', tokens: [] },
  ])('parses $format', ({ format, tokens }) => {
    expect(parseStrftimeFormat(format)).toEqual(tokens);
  });

  it.each(['%Q', '%', 'a%', '%e', '%J'])('refuses %s with a 400', (format) => {
    expect(() => parseStrftimeFormat(format)).toThrowError(AppError);
  });

  it.each([
    { text: 'start of month', modifier: { kind: 'startOf', unit: 'month' } },
    { text: ' +3 days ', modifier: { kind: 'add', amount: 3, unit: 'day' } },
    { text: '-1 HOUR', modifier: { kind: 'add', amount: -1, unit: 'hour' } },
    { text: '10 minutes', modifier: { kind: 'add', amount: 10, unit: 'minute' } },
  ])('parses the modifier $text', ({ text, modifier }) => {
    expect(parseTimeModifier(text)).toEqual(modifier);
  });

  it.each(['+1 month', '1 year', 'weekday 0', 'unixepoch', 'localtime', '+1.5 days', '+99999999 days'])('refuses the modifier %s', (text) => {
    expect(() => parseTimeModifier(text)).toThrowError(AppError);
  });
});
