import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, testPublicUrl, type Api, type TestApp } from './app.js';
import { createCampaign } from './fixtures.js';

// jsqr is CommonJS with a default export; under NodeNext its function sits on `.default`.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule.default }).default ?? jsQRModule) as typeof jsQRModule.default;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function setup(campaignOverrides: Record<string, unknown> = {}) {
  const org = await t.newOrg();
  const campaign = await createCampaign(org.api, campaignOverrides);
  return { ...org, campaign };
}

async function importCsv(key: string, campaignId: string, csv: string | Buffer, query = '') {
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/campaigns/${campaignId}/invites/import${query}`,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
    payload: csv,
  });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

const list = async (api: Api, campaignId: string, query = '') =>
  (await api.get(`/v1/campaigns/${campaignId}/invites?limit=100${query}`)).body;

describe('CSV import', () => {
  it('reports every kind of row: created, skipped and invalid, with reasons', async () => {
    const { api, key, campaign } = await setup();
    await api.post(`/v1/campaigns/${campaign.id}/invites`, { email: 'already@example.com' });
    const csv =
      '\uFEFFEmail,Name,Metadata,Company\r\n' + // 1: header with BOM, CRLF, an extra column
      'john@example.com,John Doe,segment=power_user;plan=pro,Acme\r\n' + // 2
      '\r\n' + // 3: empty line
      '"jane@example.com","Smith, Jane","{""segment"":""trial"",""seats"":3}",\r\n' + // 4: quoted, JSON metadata
      'not-an-email,Bad Email,,\r\n' + // 5
      ',No Email,,\r\n' + // 6
      'meta@example.com,Bad Meta,segment,\r\n' + // 7: not key=value
      'json@example.com,Bad JSON,"{""a"":",\r\n' + // 8
      'array@example.com,JSON array,"[1,2]",\r\n' + // 9
      `long@example.com,${'n'.repeat(201)},,\r\n` + // 10
      'JOHN@example.com,John Again,,\r\n' + // 11: earlier in this file
      'already@example.com,Existing,,\r\n' + // 12: open invite in the campaign
      '"multi@example.com","Line\nBreak",,\r\n' + // 13-14: a quoted newline
      `many@example.com,Too many keys,"${Array.from({ length: 51 }, (_, i) => `k${i}=v`).join(';')}",\r\n`; // 15
    const { status, body } = await importCsv(key, campaign.id, csv);
    expect(status).toBe(200);
    expect(body).toMatchObject({ completed: true, total: 12, created: 3, skipped: 2, invalid: 7 });
    expect(body.rows.map((r: { line: number }) => r.line)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 15]);
    const byEmail = Object.fromEntries(body.rows.map((r: { email: string | null; line: number }) => [`${r.email}@${r.line}`, r]));
    expect(body.rows.every((r: { outcome: string }) => r.outcome !== 'created')).toBe(true);
    expect(byEmail['not-an-email@5'].reason).toMatch(/bad email/);
    expect(byEmail['null@6'].reason).toMatch(/missing email/);
    expect(byEmail['meta@example.com@7'].reason).toMatch(/key=value/);
    expect(byEmail['json@example.com@8'].reason).toMatch(/not valid JSON/);
    expect(byEmail['array@example.com@9'].reason).toMatch(/must be an object/);
    expect(byEmail['long@example.com@10'].reason).toMatch(/longer than 200/);
    expect(byEmail['JOHN@example.com@11']).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/earlier in this file/) });
    expect(byEmail['already@example.com@12']).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/open invite/) });
    expect(byEmail['many@example.com@15'].reason).toMatch(/50 keys/);

    const invites = (await list(api, campaign.id)).data;
    const john = invites.find((i: { email: string }) => i.email === 'john@example.com');
    expect(john).toMatchObject({ name: 'John Doe', metadata: { segment: 'power_user', plan: 'pro', Company: 'Acme' }, status: 'pending' });
    const jane = invites.find((i: { email: string }) => i.email === 'jane@example.com');
    expect(jane).toMatchObject({ name: 'Smith, Jane', metadata: { segment: 'trial', seats: 3 } });
    expect(invites.find((i: { email: string }) => i.email === 'multi@example.com').name).toBe('Line\nBreak');
    expect(invites).toHaveLength(4);
  });

  it('lists created rows too when asked, reads files without a header, and applies options', async () => {
    const { api, key, campaign } = await setup();
    const { body } = await importCsv(key, campaign.id, 'a@example.com,Ann\nb@example.com,Ben,team=x\n', '?report=full&sendEmail=false&expiresIn=24h');
    expect(body).toMatchObject({ total: 2, created: 2 });
    expect(body.rows.map((r: { outcome: string; inviteId: string }) => r.outcome)).toEqual(['created', 'created']);
    const created = (await api.get(`/v1/invites/${body.rows[1].inviteId}`)).body;
    expect(created).toMatchObject({ email: 'b@example.com', name: 'Ben', metadata: { team: 'x' }, emailStatus: 'not_requested' });
    expect(Date.parse(created.expiresAt) - Date.parse(created.createdAt)).toBe(86_400_000);
  });

  it('takes link-only rows without email when sendEmail is false, and multipart uploads', async () => {
    const { api, key, campaign } = await setup();
    const linkOnly = await importCsv(key, campaign.id, 'name,metadata\nWalk-in 1,table=4\nWalk-in 2,\n', '?sendEmail=false');
    expect(linkOnly.body).toMatchObject({ created: 2, invalid: 0 });

    const boundary = '----parleyboundary';
    const payload = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\nContent-Type: text/csv\r\n\r\n` +
        'email,name\nm1@example.com,M One\nm2@example.com,M Two\n' +
        `\r\n--${boundary}--\r\n`,
    );
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/campaigns/${campaign.id}/invites/import`,
      headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ created: 2, completed: true });
    expect((await list(api, campaign.id)).pagination.total).toBe(4);
  });

  it('refuses a file without an email column, a paused campaign and a non-CSV body, creating nothing', async () => {
    const { api, key, campaign } = await setup();
    const noEmail = await importCsv(key, campaign.id, 'name,company\nAnn,Acme\n');
    expect(noEmail.status).toBe(422);
    const pastExpiry = await importCsv(key, campaign.id, 'email\na@example.com\n', '?expiresAt=2001-01-01T00:00:00Z');
    expect(pastExpiry.status).toBe(422);
    const badOption = await importCsv(key, campaign.id, 'email\na@example.com\n', '?sendEmail=maybe');
    expect(badOption.status).toBe(400);
    const json = await api.post(`/v1/campaigns/${campaign.id}/invites/import`, { email: 'a@example.com' });
    expect(json.status).toBe(415);
    await api.patch(`/v1/campaigns/${campaign.id}`, { status: 'paused' });
    const paused = await importCsv(key, campaign.id, 'email\na@example.com\n');
    expect(paused.status).toBe(409);
    expect(paused.body.error.code).toBe('CAMPAIGN_NOT_ACTIVE');
    expect((await list(api, campaign.id)).pagination.total).toBe(0);
  });

  it('keeps every row accepted before a failure midway, and says where it stopped', async () => {
    const { api, organizationId, campaign } = await setup();
    async function* rows() {
      yield 'email,name\n';
      for (let i = 0; i < 2500; i++) yield `mid${i}@example.com,Row ${i}\n`;
      throw new Error('connection reset by peer');
    }
    const report = await t.services.inviteImporter.import(organizationId, campaign.id, Readable.from(rows()), {
      sendEmail: true,
      fullReport: false,
    });
    expect(report.completed).toBe(false);
    expect(report.error?.message).toMatch(/connection reset/);
    expect(report.created).toBe(2500);
    expect((await list(api, campaign.id)).pagination.total).toBe(2500);
  });

  it('does not import a row the failure cut in half', async () => {
    const { api, organizationId, campaign } = await setup();
    async function* rows() {
      yield 'email,name\nfirst@example.com,First\nsecond@example.co';
      throw new Error('socket hang up');
    }
    const report = await t.services.inviteImporter.import(organizationId, campaign.id, Readable.from(rows()), { sendEmail: true, fullReport: true });
    expect(report).toMatchObject({ completed: false, created: 1, invalid: 1 });
    expect(report.rows[1]).toMatchObject({ line: 3, outcome: 'invalid', reason: expect.stringMatching(/incomplete/) });
    expect((await list(api, campaign.id)).data.map((i: { email: string }) => i.email)).toEqual(['first@example.com']);
  });

  it('imports 100,000 rows streamed from one request', { timeout: 240_000 }, async () => {
    const { api, organizationId, campaign } = await setup();
    const n = 100_000;
    async function* rows() {
      yield 'email,name,metadata\n';
      for (let i = 0; i < n; i += 1000) {
        let chunk = '';
        for (let j = i; j < i + 1000; j++) chunk += `person${j}@example.com,Person ${j},row=${j}\n`;
        yield chunk;
      }
    }
    const report = await t.services.inviteImporter.import(organizationId, campaign.id, Readable.from(rows()), { sendEmail: false, fullReport: false });
    expect(report).toMatchObject({ completed: true, total: n, created: n, skipped: 0, invalid: 0, rows: [] });
    const stats = (await api.get(`/v1/campaigns/${campaign.id}`)).body.stats;
    expect(stats.totalInvites).toBe(n);
    expect(stats.invitesByStatus.pending).toBe(n);
    const last = (await api.get(`/v1/campaigns/${campaign.id}/invites?email=person99999@example.com`)).body.data[0];
    expect(last).toMatchObject({ name: 'Person 99999', metadata: { row: '99999' } });
  });
});

describe('CSV export', () => {
  it('streams every invite with its link, neutralising formula cells', async () => {
    const { api, key, campaign } = await setup();
    const payloads = ['=HYPERLINK("http://evil.example","x")', '+1+2', '-2+3', '@SUM(A1)', '\tTabbed', '\rReturn', 'Plain "quoted", name'];
    const made: Array<{ id: string; inviteUrl: string }> = [];
    for (const [i, name] of payloads.entries()) {
      made.push((await api.post(`/v1/campaigns/${campaign.id}/invites`, { email: `x${i}@example.com`, name, metadata: { note: name } })).body);
    }
    await api.post(`/v1/invites/${made[0]!.id}/cancel`);
    const res = await t.app.inject({ method: 'GET', url: `/v1/campaigns/${campaign.id}/invites/export`, headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('attachment');
    const records = parse(res.body, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(records[0]!)).toEqual(['id', 'email', 'name', 'status', 'emailStatus', 'inviteUrl', 'expiresAt', 'createdAt', 'metadata']);
    expect(records).toHaveLength(payloads.length);
    for (const record of records) {
      expect(record.name!).not.toMatch(/^[=+\-@\t\r]/);
      expect(record.metadata!).not.toMatch(/^[=+\-@\t\r]/);
      const invite = made.find((m) => m.id === record.id)!;
      expect(record.inviteUrl).toBe(invite.inviteUrl);
      expect(record.inviteUrl!.startsWith(`${testPublicUrl}/interview/`)).toBe(true);
    }
    expect(records.find((r) => r.id === made[0]!.id)).toMatchObject({ name: `'${payloads[0]}`, status: 'cancelled' });
    expect(records.find((r) => r.id === made[6]!.id)!.name).toBe('Plain "quoted", name');
    expect(JSON.parse(records.find((r) => r.id === made[1]!.id)!.metadata!.replace(/^'/, ''))).toEqual({ note: '+1+2' });

    const pending = await t.app.inject({
      method: 'GET',
      url: `/v1/campaigns/${campaign.id}/invites/export?status=cancelled`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(parse(pending.body, { columns: true })).toHaveLength(1);
    const bad = await api.get(`/v1/campaigns/${campaign.id}/invites/export?status=gone`);
    expect(bad.status).toBe(400);
  });
});

describe('sharing', () => {
  it('gives mailto, WhatsApp and SMS links and a QR code that decodes to the link', async () => {
    const { api, key, campaign } = await setup({ name: 'Spring study', settings: { language: 'fr' } });
    const inv = (await api.post(`/v1/campaigns/${campaign.id}/invites`, { email: 'amelie@example.com' })).body;
    const share = await api.get(`/v1/invites/${inv.id}/share`);
    expect(share.status).toBe(200);
    expect(share.body.inviteUrl).toBe(inv.inviteUrl);
    expect(share.body.message).toContain('entretien');
    expect(share.body.message).toContain('Spring study');
    expect(share.body.mailto.startsWith('mailto:amelie%40example.com?subject=')).toBe(true);
    expect(decodeURIComponent(share.body.whatsapp.replace('https://wa.me/?text=', ''))).toContain(inv.inviteUrl);
    expect(decodeURIComponent(share.body.sms.replace('sms:?&body=', ''))).toContain(inv.inviteUrl);

    const png = await t.app.inject({ method: 'GET', url: `/v1/invites/${inv.id}/qr?size=300`, headers: { authorization: `Bearer ${key}` } });
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const image = PNG.sync.read(png.rawPayload);
    const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
    expect(decoded?.data).toBe(inv.inviteUrl);

    const svg = await t.app.inject({ method: 'GET', url: `/v1/invites/${inv.id}/qr?format=svg`, headers: { authorization: `Bearer ${key}` } });
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.body).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);

    await api.post(`/v1/invites/${inv.id}/cancel`);
    expect((await api.get(`/v1/invites/${inv.id}/share`)).status).toBe(409);
    expect((await api.get(`/v1/invites/${inv.id}/qr`)).status).toBe(409);
    expect((await api.get(`/v1/invites/${inv.id}/qr?format=gif`)).status).toBe(400);
    const stranger = await t.newOrg();
    expect((await stranger.api.get(`/v1/invites/${inv.id}/share`)).status).toBe(404);
  });
});
