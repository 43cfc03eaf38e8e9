import { describe, expect, it } from 'vitest';
import { createSearchThrottle } from './search-throttle.js';

describe('empty-search throttle', () => {
  it('lets 3 empty searches through, then delays each further one by under 500 ms, per client and collection', async () => {
    const waits: number[] = [];
    const throttle = createSearchThrottle(async (ms) => { waits.push(ms); });
    for (let i = 0; i < 5; i++) await throttle.afterEmptySearch('1.2.3.4', 'posts');
    await throttle.afterEmptySearch('5.6.7.8', 'posts');
    await throttle.afterEmptySearch('1.2.3.4', 'other');
    expect(waits).toHaveLength(2);
    for (const ms of waits) expect(ms).toBeGreaterThanOrEqual(0), expect(ms).toBeLessThan(500);
  });
});
