/**
 * Fetches what signed webhooks point at: the certificate an SNS message was signed with, and
 * the URL that confirms an SNS subscription. Callers check the URL's host before asking.
 */
export interface RemoteFetcher {
  text(url: string): Promise<string>;
}

export function createRemoteFetcher(options: { timeoutMs?: number } = {}): RemoteFetcher {
  const cache = new Map<string, string>();
  return {
    async text(url) {
      const cached = cache.get(url);
      if (cached) return cached;
      const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000), redirect: 'error' });
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      const body = await response.text();
      if (url.endsWith('.pem')) cache.set(url, body);
      return body;
    },
  };
}
