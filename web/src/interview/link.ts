/** What the page learns from its own address: `/interview/<token>?name=John&company=Acme`. */
export interface Link {
  token: string;
  /** Query parameters, kept as the session's prefilled values (the server's limits applied). */
  prefill: Record<string, string>;
}

const keyPattern = /^[A-Za-z0-9_]{1,40}$/;

export function readLink(pathname: string, search: string): Link {
  const match = /^\/interview\/([^/]+)\/?$/.exec(pathname);
  let token = '';
  try {
    token = match?.[1] ? decodeURIComponent(match[1]) : '';
  } catch {
    token = '';
  }
  const prefill: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    if (Object.keys(prefill).length >= 20) break;
    if (keyPattern.test(key) && !(key in prefill)) prefill[key] = value.slice(0, 200);
  }
  return { token, prefill };
}
