import { createServer } from 'node:net';
import { createTestApp, type TestApp } from './app.js';

/** A port nothing listens on right now (the OS picks it), so PUBLIC_URL can name it before start. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The test app listening on a real loopback port, for clients that need a socket (a browser):
 * `PUBLIC_URL` is that address, so the links the API hands out open this server.
 */
export async function createListeningApp(options: { env?: Record<string, string> } = {}): Promise<TestApp & { baseUrl: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const t = await createTestApp({ env: { ...options.env, PUBLIC_URL: baseUrl } });
    try {
      await t.app.listen({ port, host: '127.0.0.1' });
      return Object.assign(t, { baseUrl });
    } catch (error) {
      await t.close();
      // Another process took the port between the probe and the listen: try another one.
      if (attempt >= 3 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}
