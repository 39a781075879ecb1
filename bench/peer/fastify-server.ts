// The peer baseline: bare Fastify answering a tiny JSON GET: no auth, no database, no logging.
// What Mizugiwa's GET costs above this number is the price of auth, the database and its own hooks.
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ logger: false });
app.get('/ping', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port });
process.stdout.write(`peer listening on http://127.0.0.1:${port}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
