import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('is the prefix, 8 characters of time and 12 random ones', () => {
    expect(newId('ses')).toMatch(/^ses_[0-9A-Za-z]{20}$/);
  });

  it('counts up within one millisecond, so ids made one after another sort in that order', () => {
    const at = Date.now() + 60_000;
    const ids = Array.from({ length: 5_000 }, () => newId('evt', at));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('keeps increasing when the clock goes back', () => {
    const later = newId('evt', Date.now() + 120_000);
    const earlier = newId('evt', Date.now());
    expect(earlier > later).toBe(true);
    expect(earlier.slice(4, 12)).toBe(later.slice(4, 12));
  });

  it('draws a fresh random part when time moves on', () => {
    const a = newId('inv', Date.now() + 180_000);
    const b = newId('inv', Date.now() + 180_001);
    expect(b > a).toBe(true);
    expect(b.slice(12)).not.toBe(a.slice(12));
  });
});

describe('newId across milliseconds', () => {
  it('sorts by creation time as plain strings compare, over a long stretch of time', () => {
    const start = Date.now() + 240_000;
    const ids = Array.from({ length: 4_000 }, (_, i) => newId('job', start + i * 7));
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
  });
});
