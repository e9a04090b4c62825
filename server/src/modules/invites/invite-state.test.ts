import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { resolveExpiry } from './invite-expiry.js';
import {
  assertCan, canTransition, effectiveExpiry, effectiveStatus, inviteStatuses, type InviteAction, type InviteStatus,
} from './invite-state.js';
import { createTokenVault, tokenPattern } from './invite-tokens.js';

describe('invite state machine', () => {
  const legal: Array<[InviteStatus, InviteStatus]> = [
    ['pending', 'started'], ['started', 'completed'],
    ['pending', 'expired'], ['started', 'expired'],
    ['pending', 'cancelled'], ['started', 'cancelled'],
    ['expired', 'pending'], ['expired', 'started'],
  ];

  it('allows exactly the documented transitions', () => {
    for (const from of inviteStatuses) {
      for (const to of inviteStatuses) {
        const expected = legal.some(([f, t]) => f === from && t === to);
        expect(canTransition(from, to), `${from} → ${to}`).toBe(expected);
      }
    }
  });

  it('allows each action only from its states: INVITE_EXPIRED from expired, INVALID_STATE_TRANSITION otherwise', () => {
    const outcome = (action: InviteAction, from: InviteStatus) => {
      try {
        assertCan(action, from);
        return 'ok';
      } catch (error) {
        return (error as AppError).code;
      }
    };
    const table: Record<InviteAction, Record<InviteStatus, string>> = {
      start: { pending: 'ok', started: 'INVALID_STATE_TRANSITION', completed: 'INVALID_STATE_TRANSITION', expired: 'INVITE_EXPIRED', cancelled: 'INVALID_STATE_TRANSITION' },
      complete: { pending: 'INVALID_STATE_TRANSITION', started: 'ok', completed: 'INVALID_STATE_TRANSITION', expired: 'INVITE_EXPIRED', cancelled: 'INVALID_STATE_TRANSITION' },
      cancel: { pending: 'ok', started: 'ok', completed: 'INVALID_STATE_TRANSITION', expired: 'INVITE_EXPIRED', cancelled: 'INVALID_STATE_TRANSITION' },
      extend: { pending: 'ok', started: 'ok', completed: 'INVALID_STATE_TRANSITION', expired: 'ok', cancelled: 'INVALID_STATE_TRANSITION' },
    };
    for (const [action, row] of Object.entries(table) as Array<[InviteAction, Record<InviteStatus, string>]>) {
      for (const from of inviteStatuses) expect(outcome(action, from), `${action} from ${from}`).toBe(row[from]);
    }
  });

  it('derives expired at read time from the earlier of invite and campaign expiry', () => {
    const clock = new ManualClock('2030-01-01T00:00:00.000Z');
    const inWeek = '2030-01-08T00:00:00.000Z';
    const inMonth = '2030-01-31T00:00:00.000Z';
    expect(effectiveExpiry(inMonth, inWeek)).toBe(inWeek);
    expect(effectiveExpiry(inWeek, inMonth)).toBe(inWeek);
    expect(effectiveExpiry(null, inWeek)).toBe(inWeek);
    expect(effectiveExpiry(inMonth, null)).toBe(inMonth);
    expect(effectiveExpiry(null, null)).toBeNull();

    expect(effectiveStatus('pending', inWeek, clock.now())).toBe('pending');
    clock.set(inWeek);
    expect(effectiveStatus('pending', inWeek, clock.now())).toBe('expired');
    expect(effectiveStatus('started', inWeek, clock.now())).toBe('expired');
    expect(effectiveStatus('completed', inWeek, clock.now())).toBe('completed');
    expect(effectiveStatus('cancelled', inWeek, clock.now())).toBe('cancelled');
    expect(effectiveStatus('pending', null, clock.now())).toBe('pending');
  });

  it('resolves validity: expiresAt, then expiresIn, then the campaign default, then 7 days', () => {
    const now = new Date('2030-01-01T00:00:00.000Z');
    expect(resolveExpiry({ expiresAt: '2030-02-01T00:00:00Z', expiresIn: '30m' }, '2w', now)).toBe('2030-02-01T00:00:00.000Z');
    expect(resolveExpiry({ expiresIn: '30m' }, '2w', now)).toBe('2030-01-01T00:30:00.000Z');
    expect(resolveExpiry({ expiresIn: '24h' }, undefined, now)).toBe('2030-01-02T00:00:00.000Z');
    expect(resolveExpiry({}, '2w', now)).toBe('2030-01-15T00:00:00.000Z');
    expect(resolveExpiry({}, undefined, now)).toBe('2030-01-08T00:00:00.000Z');
    expect(resolveExpiry({ expiresIn: 'never' }, '2w', now)).toBeNull();
    expect(resolveExpiry({}, 'never', now)).toBeNull();
    expect(() => resolveExpiry({ expiresAt: '2029-12-31T00:00:00Z' }, undefined, now)).toThrow(AppError);
  });
});

describe('invite tokens', () => {
  const vault = createTokenVault(Buffer.from('a'.repeat(40)));

  it('are 256-bit, URL-safe and unique across 100,000', () => {
    const tokens = vault.issue(100_000);
    const seen = new Set<string>();
    for (const t of tokens) {
      expect(t.token).toMatch(tokenPattern);
      expect(Buffer.from(t.token, 'base64url')).toHaveLength(32);
      seen.add(t.token);
    }
    expect(seen.size).toBe(100_000);
    expect(new Set(tokens.map((t) => t.hash)).size).toBe(100_000);
  });

  it('are sealed the same way on the worker thread used by imports', async () => {
    const tokens = await vault.issueInBackground(500);
    expect(new Set(tokens.map((t) => t.token)).size).toBe(500);
    for (const t of tokens) {
      expect(t.token).toMatch(tokenPattern);
      expect(vault.reveal(t.encrypted)).toBe(t.token);
      expect(vault.hash(t.token)).toBe(t.hash);
    }
    await vault.close();
  });

  it('are stored as a hash and a ciphertext that reveal nothing without the secret', () => {
    const [sealed] = vault.issue(1);
    expect(sealed!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(sealed!.encrypted).not.toContain(sealed!.token);
    expect(vault.reveal(sealed!.encrypted)).toBe(sealed!.token);
    expect(vault.hash(sealed!.token)).toBe(sealed!.hash);
    const other = createTokenVault(Buffer.from('b'.repeat(40)));
    expect(() => other.reveal(sealed!.encrypted)).toThrow();
    // Two sealings of one token differ (fresh IV each time).
    expect(vault.issue(2).map((t) => t.encrypted.split('.')[1])).not.toEqual([undefined, undefined]);
  });
});
