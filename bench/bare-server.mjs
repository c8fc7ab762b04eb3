// The floor of H1: a bare Fastify route answering the same bytes as meter_info, nothing else.
import Fastify from 'fastify';
const body = process.env.BARE_BODY ?? '[]';
const app = Fastify({ logger: false });
app.get('/api/v1/meter_info/:site_id', async (_req, reply) => reply.type('application/json; charset=utf-8').send(body));
const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.BARE_PORT ?? 0) });
process.stdout.write(`bare listening on ${url}\n`);
