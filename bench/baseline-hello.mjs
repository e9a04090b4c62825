// The baseline of bench/api.mjs: bare Fastify 5, logger off, one route answering
// {"hello":"world"}. Listens on PORT (HOST, default 127.0.0.1) until SIGTERM / SIGINT.
import { importDependency } from './lib.mjs';

const Fastify = await importDependency('fastify');
const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));

const close = () => app.close().then(() => process.exit(0));
process.once('SIGTERM', close);
process.once('SIGINT', close);

await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1' });
