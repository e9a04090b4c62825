import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './app.js';
import { createCampaign } from './fixtures.js';

/** Everything the app logs, at the most verbose level, kept to be searched. */
const logs: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    logs.push(chunk.toString());
    done();
  },
});

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ logStream: sink });
});
afterAll(() => t.close());

describe('invite secrets', () => {
  it('never writes a token or an API key to the logs, even at trace level', async () => {
    const { api, key } = await t.newOrg();
    const campaign = await createCampaign(api);
    const invite = (await api.post(`/v1/campaigns/${campaign.id}/invites`, { email: 'secret@example.com' })).body;
    await api.get(`/v1/invites/${invite.id}`);
    await api.get(`/v1/campaigns/${campaign.id}/invites`);
    await api.get(`/v1/campaigns/${campaign.id}/invites/export`);
    await api.post(`/v1/invites/${invite.id}/resend`, {});
    // A participant opening the link: the token is in the path.
    await t.app.inject({ method: 'GET', url: `/interview/${invite.token}?name=Jo` });
    await api.get(`/v1/nothing?key=${invite.token}`);

    const text = logs.join('');
    expect(logs.length).toBeGreaterThan(10); // requests were logged
    expect(text).toContain('/interview/[token]');
    expect(text).not.toContain(invite.token);
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(4));
  });

  it('stores nothing in the database that opens the link', async () => {
    const { api } = await t.newOrg();
    const campaign = await createCampaign(api);
    const invite = (await api.post(`/v1/campaigns/${campaign.id}/invites`, { email: 'row@example.com' })).body;
    const rows = await t.db.kysely.selectFrom('invites').selectAll().execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(invite.token);
    // Not even in another encoding.
    expect(dump).not.toContain(Buffer.from(invite.token, 'base64url').toString('hex'));
    expect(dump).not.toContain(Buffer.from(invite.token, 'base64url').toString('base64'));
    const row = rows.find((r) => r.id === invite.id)!;
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.token_encrypted.startsWith('v1.')).toBe(true);
  });
});
