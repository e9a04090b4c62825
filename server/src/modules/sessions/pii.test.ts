import { describe, expect, it } from 'vitest';
import { redactPii } from './pii.js';

describe('redactPii', () => {
  it('masks email addresses', () => {
    expect(redactPii('Write to jane.doe+work@example.co.uk or JANE@EXAMPLE.COM.')).toBe('Write to [email] or [email].');
    expect(redactPii('Mail josé.núñez@correo.es please')).toBe('Mail [email] please');
    // Not addresses: a handle, a bare domain.
    expect(redactPii('Ping @jane on example.com')).toBe('Ping @jane on example.com');
  });

  it.each([
    ['+1 415 555 2671'],
    ['(415) 555-2671'],
    ['415-555-2671'],
    ['415.555.2671'],
    ['+14155552671'],
    ['+44 20 7946 0958'],
    ['+44 (0)20 7946 0958'],
    ['020 7946 0958'],
    ['0049 30 1234567'],
    ['+33 1 23 45 67 89'],
    ['06 12 34 56 78'],
    ['612 345 678'],
    ['+55 11 91234-5678'],
  ])('masks the phone number %s', (phone) => {
    expect(redactPii(`Call me on ${phone}, thanks.`)).toBe('Call me on [phone], thanks.');
  });

  it.each([
    ['4111 1111 1111 1111'],
    ['4111-1111-1111-1111'],
    ['4111111111111111'],
    ['5500 0000 0000 0004'],
    ['3782 822463 10005'],
    ['6011 0009 9013 9424'],
  ])('masks the Luhn-valid card %s as a card, not a phone', (card) => {
    expect(redactPii(`My card is ${card}.`)).toBe('My card is [card].');
  });

  it('leaves card-shaped numbers that fail Luhn or card grouping', () => {
    expect(redactPii('Ref 4111 1111 1111 1112.')).toBe('Ref 4111 1111 1111 1112.');
    expect(redactPii('Ref 4111111111111112.')).toBe('Ref 4111111111111112.');
    // Luhn-valid digits, but grouped like no card is printed.
    expect(redactPii('Ref 41 1111 1111 111111.')).toBe('Ref 41 1111 1111 111111.');
  });

  it.each([
    ['123-45-6789', 'US SSN'],
    ['123 45 6789', 'US SSN, spaced'],
    ['046-454-286', 'Canadian SIN'],
    ['123.456.789-09', 'Brazilian CPF'],
    ['12345678Z', 'Spanish DNI'],
    ['X1234567L', 'Spanish NIE'],
    ['AB 12 34 56 C', 'UK NINO'],
  ])('masks the national id %s (%s) as an id', (id) => {
    expect(redactPii(`My number is ${id}.`)).toBe('My number is [id].');
  });

  it('masks IPv4 and IPv6 addresses', () => {
    expect(redactPii('From 192.168.1.10 and 8.8.8.8.')).toBe('From [ip] and [ip].');
    expect(redactPii('Hosts 2001:db8::8a2e:370:7334, ::1, fe80::1 and ::ffff:192.0.2.1.')).toBe(
      'Hosts [ip], [ip], [ip] and [ip].',
    );
    expect(redactPii('Full 2001:0db8:0000:0000:0000:ff00:0042:8329 here')).toBe('Full [ip] here');
    // Not addresses: out-of-range octets, a version, clock times.
    expect(redactPii('Got 999.1.1.1, v1.2.3 at 10:30:45 and 12:30')).toBe('Got 999.1.1.1, v1.2.3 at 10:30:45 and 12:30');
  });

  it('does not mask ordinary numbers', () => {
    const ordinary = [
      'I rate it 8',
      'I rate it 8 out of 10',
      'in 2024',
      'I tried 3 times',
      'We met on 2024-01-15 and again on 15.01.2024 and 01/15/2024',
      'From 2019-2024 we grew',
      'It costs 1.250.000 pesos, about 1 000 000 users, $1,299,000 revenue',
      'Version 10.4.2, room 101, 42%, 3.5 stars, ticket #12345678',
      'Call at 9:30 or between 10 and 12',
      'Steps 1 2 3',
    ];
    for (const text of ordinary) expect(redactPii(text), text).toBe(text);
  });

  it('masks a phone next to an ordinary number without swallowing it', () => {
    expect(redactPii('Call 555-123-4567 8 times')).toBe('Call [phone] 8 times');
  });

  it('masks the invitee name and its parts, case-insensitive, whole words only', () => {
    const names = ['Jane Doe'];
    expect(redactPii('Jane Doe here. jane says DOE is fine, Mr. Doe.', { names })).toBe(
      '[name] here. [name] says [name] is fine, Mr. [name].',
    );
    // Janet and Doesn't contain the parts but are other words.
    expect(redactPii("Janet doesn't know Jane", { names })).toBe("Janet doesn't know [name]");
    expect(redactPii('Jane   Doe spaced', { names })).toBe('[name] spaced');
  });

  it('handles accented, hyphenated and apostrophe names Unicode-aware', () => {
    const names = ['Éloïse Müller-Lüdenscheidt', "Seán O'Brien"];
    expect(redactPii('ÉLOÏSE said müller and Lüdenscheidt; Éloïses is another word', { names })).toBe(
      '[name] said [name] and [name]; Éloïses is another word',
    );
    expect(redactPii('Ask seán o’brien or O\'Brien', { names })).toBe('Ask [name] or [name]');
  });

  it('ignores name parts under 2 letters and empty names', () => {
    // The full name goes as one; of its parts only "Smith" is long enough; "A" is ignored.
    expect(redactPii('Mr J. Smith, Smith and J said hi to a', { names: ['J. Smith', '', '  ', 'A'] })).toBe(
      'Mr [name], [name] and J said hi to a',
    );
  });

  it('never masks inside a placeholder, even for names like "Name Phone"', () => {
    expect(redactPii('Name Phone at name@example.com or +1 415 555 2671', { names: ['Name Phone'] })).toBe(
      '[name] at [email] or [phone]',
    );
  });

  it('masks every kind in one text', () => {
    const text =
      'Hi, I am Jane Doe (jane.doe@example.com), phone +1 415 555 2671, card 4111 1111 1111 1111, ' +
      'SSN 123-45-6789, from 10.0.0.7. I rate it 9 in 2024.';
    expect(redactPii(text, { names: ['Jane Doe'] })).toBe(
      'Hi, I am [name] ([email]), phone [phone], card [card], SSN [id], from [ip]. I rate it 9 in 2024.',
    );
  });

  it('returns text without personal data unchanged', () => {
    expect(redactPii('')).toBe('');
    expect(redactPii('The onboarding was smooth.', { names: [] })).toBe('The onboarding was smooth.');
  });
});
