import { describe, expect, it } from 'vitest';
import { readLink } from './link';

describe('the link the page was opened with', () => {
  it('reads the token from the path, with or without a trailing slash', () => {
    expect(readLink('/interview/abc_DEF-123', '').token).toBe('abc_DEF-123');
    expect(readLink('/interview/abc/', '').token).toBe('abc');
    expect(readLink('/interview/', '').token).toBe('');
    expect(readLink('/interview/%E0%A4%A', '').token).toBe('');
  });

  it('keeps query parameters as prefilled values, within the server’s limits', () => {
    const { prefill } = readLink('/interview/t', `?name=John&company=Acme&bad-key=x&company=Other&long=${'y'.repeat(300)}`);
    expect(prefill).toEqual({ name: 'John', company: 'Acme', long: 'y'.repeat(200) });
    const many = new URLSearchParams(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v'])).toString();
    expect(Object.keys(readLink('/interview/t', `?${many}`).prefill)).toHaveLength(20);
  });
});
