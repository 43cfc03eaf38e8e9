import { describe, expect, it } from 'vitest';
import { formatDate, parseDate } from './time.js';

describe('dates', () => {
  it('formats as PocketBase does', () => {
    expect(formatDate(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)))).toBe('2025-01-02 03:04:05.006Z');
  });

  it.each([
    ['2025-01-02 03:04:05.006Z', '2025-01-02 03:04:05.006Z'],
    ['2025-01-02T03:04:05Z', '2025-01-02 03:04:05.000Z'],
    ['2025-01-02T03:04:05+02:00', '2025-01-02 01:04:05.000Z'],
    ['2025-01-02 03:04:05', '2025-01-02 03:04:05.000Z'],
    ['2025-01-02', '2025-01-02 00:00:00.000Z'],
    ['2024-02-29', '2024-02-29 00:00:00.000Z'],
  ])('parses %s', (input, expected) => {
    expect(parseDate(input)).toBe(expected);
  });

  it.each(['', 'yesterday', '2024-02-30', '2023-02-29', '2025-13-01', '2025-04-31 10:00:00Z', '2025-01-02T25:00:00Z'])('refuses %s', (input) => {
    expect(parseDate(input)).toBeNull();
  });
});
