import type { TestApp } from './app.js';

export const chrome = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1';

/** The participant's browser: keeps the session cookie it is given, like a real one. */
export function participantBrowser(t: TestApp) {
  let cookie: string | undefined;
  async function call(method: 'GET' | 'POST', url: string, body?: unknown) {
    const res = await t.app.inject({
      method,
      url,
      headers: { 'user-agent': chrome, ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    const set = res.headers['set-cookie'];
    if (set) cookie = String(set).split(';')[0];
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers };
  }
  return {
    open: (token: string, query = '') => call('GET', `/p/invites/${token}${query}`),
    start: (token: string, body: Record<string, unknown> = {}) => call('POST', `/p/invites/${token}/start`, body),
    view: () => call('GET', '/p/session'),
    consent: (granted = true) => call('POST', '/p/session/consent', { granted, type: 'all' }),
    answer: (questionId: string, answer: unknown) => call('POST', '/p/session/answer', { questionId, answer }),
    heartbeat: () => call('POST', '/p/session/heartbeat'),
    complete: () => call('POST', '/p/session/complete'),
    cookie: () => cookie,
  };
}

