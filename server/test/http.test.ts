import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createTestApp, type TestApp } from './app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('service endpoints', () => {
  it('answers /health with 200 when the database is reachable', async () => {
    const res = await apiClient(t.app).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('serves an OpenAPI 3.1 document listing every endpoint, and browsable docs', async () => {
    const res = await apiClient(t.app).get('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const paths = res.body.paths as Record<string, Record<string, unknown>>;
    const expected: Array<[string, string[]]> = [
      ['/v1/organization', ['get', 'patch', 'put']],
      ['/v1/api-keys', ['get', 'post']],
      ['/v1/api-keys/{keyId}', ['delete']],
      ['/v1/projects', ['get', 'post']],
      ['/v1/projects/{projectId}', ['get', 'patch', 'put', 'delete']],
      ['/v1/scripts', ['get', 'post']],
      ['/v1/scripts/import', ['post']],
      ['/v1/scripts/{scriptId}', ['get', 'patch', 'put', 'delete']],
      ['/v1/scripts/{scriptId}/publish', ['post']],
      ['/v1/scripts/{scriptId}/versions', ['get', 'post']],
      ['/v1/scripts/{scriptId}/versions/{version}', ['get']],
      ['/v1/scripts/{scriptId}/export', ['get']],
      ['/v1/scripts/{scriptId}/media', ['get', 'post']],
      ['/v1/campaigns', ['get', 'post']],
      ['/v1/campaigns/{campaignId}', ['get', 'patch', 'put']],
      ['/v1/campaigns/{campaignId}/invites', ['get', 'post']],
      ['/v1/campaigns/{campaignId}/invites/bulk', ['post']],
      ['/v1/campaigns/{campaignId}/invites/bulk-cancel', ['post']],
      ['/v1/campaigns/{campaignId}/invites/bulk-extend', ['post']],
      ['/v1/campaigns/{campaignId}/invites/bulk-resend', ['post']],
      ['/v1/campaigns/{campaignId}/invites/import', ['post']],
      ['/v1/campaigns/{campaignId}/invites/export', ['get']],
      ['/v1/invites/{inviteId}', ['get', 'patch', 'put']],
      ['/v1/invites/{inviteId}/cancel', ['post']],
      ['/v1/invites/{inviteId}/resend', ['post']],
      ['/v1/invites/{inviteId}/extend', ['post']],
      ['/v1/invites/{inviteId}/share', ['get']],
      ['/v1/invites/{inviteId}/qr', ['get']],
    ];
    for (const [path, methods] of expected) {
      expect(paths[path], path).toBeDefined();
      for (const method of methods) expect(paths[path]![method], `${method} ${path}`).toBeDefined();
    }
    const createCampaign = paths['/v1/campaigns']!.post as { requestBody: { content: Record<string, { schema: { required: string[] } }> } };
    expect(createCampaign.requestBody.content['application/json']!.schema.required).toEqual(expect.arrayContaining(['name', 'scriptId']));
    expect(res.body.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });

    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
  });

  it('answers unknown routes with the error envelope, never echoing a token', async () => {
    const res = await apiClient(t.app).get('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('RESOURCE_NOT_FOUND');
    const token = 'a'.repeat(43);
    const deep = await apiClient(t.app).get(`/interview/${token}/extra/path`);
    expect(deep.status).toBe(404);
    expect(deep.raw).not.toContain(token);
  });

  it('answers an unsupported body type with 415 and a body that is not JSON with 400', async () => {
    const { key } = await t.newOrg();
    const xml = await t.app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml' },
      payload: '<project/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(JSON.parse(xml.body).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('keeps API keys and invite tokens out of request logs', async () => {
    const { maskUrl } = await import('../src/http/logging.js');
    expect(maskUrl('/interview/abcDEF123456789_-xyz?name=Jo')).toBe('/interview/[token]?name=Jo');
    expect(maskUrl('/v1/campaigns?key=secret&x=1')).toBe('/v1/campaigns?key=[redacted]&x=1');
  });
});
