import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createTestApp, testPublicUrl, type TestApp } from './app.js';
import { createScript } from './fixtures.js';

const maxBytes = 2048;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { MEDIA_MAX_BYTES: String(maxBytes) } });
});
afterAll(() => t.close());

/** The PNG signature and an IHDR chunk for a 1x1 image: enough for any sniffer. */
function png(extra = 0): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex');
  return Buffer.concat([signature, ihdr, randomBytes(extra)]);
}

/** A WAV header (RIFF size WAVE fmt ...) followed by a few samples. */
function wav(): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + 8, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(8, 40);
  return Buffer.concat([header, Buffer.alloc(8)]);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface Part {
  name: string;
  data: Buffer | string;
  filename?: string;
  contentType?: string;
}

/** A multipart/form-data body, built by hand. */
function multipart(parts: Part[]): { payload: Buffer; contentType: string } {
  const boundary = `----parley-test-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ''}`;
    const type = part.contentType ? `Content-Type: ${part.contentType}\r\n` : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`, 'latin1'));
    chunks.push(Buffer.isBuffer(part.data) ? part.data : Buffer.from(part.data));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(key: string, scriptId: string, file: { data: Buffer | string; filename?: string; contentType?: string }) {
  const body = multipart([{ name: 'file', filename: 'upload.bin', contentType: 'application/octet-stream', ...file }]);
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/scripts/${scriptId}/media`,
    headers: { authorization: `Bearer ${key}`, 'content-type': body.contentType },
    payload: body.payload,
  });
  return { status: res.statusCode, body: JSON.parse(res.body), raw: res.body };
}

/** Every file kept in storage for this script, partial uploads included. */
function storedFiles(organizationId: string, scriptId: string): string[] {
  const dir = join(t.config.dataDir, 'files', 'media', organizationId, scriptId);
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('script media', () => {
  it('stores a PNG, lists it and serves back the same bytes', async () => {
    const { api, key, organizationId } = await t.newOrg();
    const script = await createScript(api);
    const bytes = png(100);

    const res = await upload(key, script.id, { data: bytes, filename: 'diagram.png', contentType: 'image/png' });
    expect(res.status, res.raw).toBe(201);
    const media = res.body;
    expect(media).toStrictEqual({
      id: expect.stringMatching(/^med_/),
      scriptId: script.id,
      filename: 'diagram.png',
      contentType: 'image/png',
      size: bytes.length,
      sha256: sha256(bytes),
      url: `${testPublicUrl}/v1/scripts/${script.id}/media/${media.id}`,
      createdAt: expect.any(String),
    });

    const download = await t.app.inject({ method: 'GET', url: `/v1/scripts/${script.id}/media/${media.id}`, headers: { authorization: `Bearer ${key}` } });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('image/png');
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(Number(download.headers['content-length'])).toBe(bytes.length);
    expect(download.rawPayload.equals(bytes)).toBe(true);

    const list = await api.get(`/v1/scripts/${script.id}/media`);
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([media]);
    expect(storedFiles(organizationId, script.id)).toEqual([media.id]);
  });

  it('recognises the type from the bytes, never from the name or type the client sent', async () => {
    const { api, key } = await t.newOrg();
    const script = await createScript(api);
    const audio = wav();
    const res = await upload(key, script.id, { data: audio, filename: 'answer.png', contentType: 'image/png' });
    expect(res.status, res.raw).toBe(201);
    expect(res.body).toMatchObject({ contentType: 'audio/wav', size: audio.length, sha256: sha256(audio) });

    const disguised = await upload(key, script.id, { data: '<html><script>alert(1)</script></html>', filename: 'photo.png', contentType: 'image/png' });
    expect(disguised.status).toBe(415);
    expect(disguised.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it.each([
    { kind: 'HTML', data: '<!doctype html><html><body><script>alert(document.cookie)</script></body></html>', filename: 'page.html', contentType: 'text/html' },
    { kind: 'SVG', data: '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>', filename: 'icon.svg', contentType: 'image/svg+xml' },
    { kind: 'empty', data: '', filename: 'empty.png', contentType: 'image/png' },
  ])('refuses a $kind file with 415 and stores nothing', async (file) => {
    const { api, key, organizationId } = await t.newOrg();
    const script = await createScript(api);
    const res = await upload(key, script.id, file);
    expect(res.status, res.raw).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await api.get(`/v1/scripts/${script.id}/media`)).body.data).toEqual([]);
    expect(storedFiles(organizationId, script.id)).toEqual([]);
  });

  it('refuses a file over the size limit with 413 and stores nothing', async () => {
    const { api, key, organizationId } = await t.newOrg();
    const script = await createScript(api);
    const res = await upload(key, script.id, { data: png(4096), filename: 'huge.png', contentType: 'image/png' });
    expect(res.status, res.raw).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await api.get(`/v1/scripts/${script.id}/media`)).body.data).toEqual([]);
    expect(storedFiles(organizationId, script.id)).toEqual([]);

    // A file of exactly the limit is accepted.
    const exact = png(maxBytes - png().length);
    const ok = await upload(key, script.id, { data: exact, filename: 'exact.png' });
    expect(ok.status, ok.raw).toBe(201);
    expect(ok.body.size).toBe(maxBytes);
  });

  it('refuses a body that is not multipart with 415', async () => {
    const { api } = await t.newOrg();
    const script = await createScript(api);
    const res = await api.post(`/v1/scripts/${script.id}/media`, { file: png().toString('base64') });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await api.get(`/v1/scripts/${script.id}/media`)).body.data).toEqual([]);
  });

  it('answers 400 for a multipart body without a file', async () => {
    const { api, key } = await t.newOrg();
    const script = await createScript(api);
    const body = multipart([{ name: 'note', data: 'no file here' }]);
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/scripts/${script.id}/media`,
      headers: { authorization: `Bearer ${key}`, 'content-type': body.contentType },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('INVALID_REQUEST');
  });

  it('reduces a file name with path parts to a safe name', async () => {
    const { api, key } = await t.newOrg();
    const script = await createScript(api);
    const names: [string, string][] = [
      ['../../evil.png', 'evil.png'],
      ['..\\..\\windows\\evil.png', 'evil.png'],
      ['/etc/passwd', 'passwd'],
      ['<img src=x onerror=alert(1)>.png', '_img src_x onerror_alert_1__.png'],
      ['..', 'upload.png'],
    ];
    for (const [given, kept] of names) {
      const res = await upload(key, script.id, { data: png(), filename: given });
      expect(res.status, res.raw).toBe(201);
      expect(res.body.filename, given).toBe(kept);
    }
    const last = (await api.get(`/v1/scripts/${script.id}/media`)).body.data[0];
    const download = await t.app.inject({ method: 'GET', url: `/v1/scripts/${script.id}/media/${last.id}`, headers: { authorization: `Bearer ${key}` } });
    expect(download.headers['content-disposition']).toBe(`inline; filename="${last.filename}"`);
  });

  it('deletes a media file', async () => {
    const { api, key, organizationId } = await t.newOrg();
    const script = await createScript(api);
    const media = (await upload(key, script.id, { data: png() })).body;
    const res = await api.delete(`/v1/scripts/${script.id}/media/${media.id}`);
    expect(res.status).toBe(204);
    expect((await api.get(`/v1/scripts/${script.id}/media/${media.id}`)).status).toBe(404);
    expect((await api.delete(`/v1/scripts/${script.id}/media/${media.id}`)).status).toBe(404);
    expect((await api.get(`/v1/scripts/${script.id}/media`)).body.data).toEqual([]);
    expect(storedFiles(organizationId, script.id)).toEqual([]);
  });

  it('does not serve a media file under another script of the organization', async () => {
    const { api, key } = await t.newOrg();
    const first = await createScript(api);
    const second = await createScript(api);
    const media = (await upload(key, first.id, { data: png() })).body;
    expect((await api.get(`/v1/scripts/${second.id}/media/${media.id}`)).status).toBe(404);
    expect((await api.delete(`/v1/scripts/${second.id}/media/${media.id}`)).status).toBe(404);
    expect((await api.get(`/v1/scripts/${first.id}/media/${media.id}`)).status).toBe(200);
  });

  it('needs campaigns:write to upload or delete, and campaigns:read to list', async () => {
    const { api, key } = await t.newOrg();
    const script = await createScript(api);
    const media = (await upload(key, script.id, { data: png() })).body;
    const readerKey = (await api.post('/v1/api-keys', { name: 'reader', scopes: ['campaigns:read'] })).body.key;
    const reader = apiClient(t.app, readerKey);

    const denied = await upload(readerKey, script.id, { data: png() });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await reader.delete(`/v1/scripts/${script.id}/media/${media.id}`)).status).toBe(403);
    expect((await reader.get(`/v1/scripts/${script.id}/media`)).body.data).toHaveLength(1);

    const noReadKey = (await api.post('/v1/api-keys', { name: 'invites', scopes: ['invites:read'] })).body.key;
    expect((await apiClient(t.app, noReadKey).get(`/v1/scripts/${script.id}/media`)).status).toBe(403);
  });

  it("answers 404 for another organization's script and its media", async () => {
    const owner = await t.newOrg();
    const stranger = await t.newOrg();
    const script = await createScript(owner.api);
    const media = (await upload(owner.key, script.id, { data: png() })).body;

    const up = await upload(stranger.key, script.id, { data: png() });
    expect(up.status).toBe(404);
    expect(up.body.error.code).toBe('RESOURCE_NOT_FOUND');
    expect((await stranger.api.get(`/v1/scripts/${script.id}/media`)).status).toBe(404);
    expect((await stranger.api.get(`/v1/scripts/${script.id}/media/${media.id}`)).status).toBe(404);
    expect((await stranger.api.delete(`/v1/scripts/${script.id}/media/${media.id}`)).status).toBe(404);

    const list = await owner.api.get(`/v1/scripts/${script.id}/media`);
    expect(list.body.data).toEqual([media]);
  });

  it('no longer serves the media of a deleted script', async () => {
    const { api, key } = await t.newOrg();
    const script = await createScript(api);
    const media = (await upload(key, script.id, { data: png() })).body;
    expect((await api.delete(`/v1/scripts/${script.id}`)).status).toBe(204);
    expect((await api.get(`/v1/scripts/${script.id}/media/${media.id}`)).status).toBe(404);
    expect((await upload(key, script.id, { data: png() })).status).toBe(404);
  });
});
