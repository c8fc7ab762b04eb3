/** A webhook receiver on 127.0.0.1 for the tests: records every request, answers as planned. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  at: number;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** a webhook receiver: answers each request with the next of `plan` (the last one repeats) */
export async function startReceiver(): Promise<{ url: string; got: Received[]; plan: { status: number; body?: string; location?: string }[]; close(): Promise<void>; wait(n: number, path?: string): Promise<Received[]> }> {
  const got: Received[] = [];
  const plan: { status: number; body?: string; location?: string }[] = [{ status: 200 }];
  const counts = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, body });
      const k = counts.get(req.url ?? '') ?? 0;
      counts.set(req.url ?? '', k + 1);
      const step = plan[Math.min(k, plan.length - 1)];
      res.writeHead(step.status, { 'content-type': 'text/plain', ...(step.location ? { location: step.location } : {}) });
      res.end(step.body ?? 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    got,
    plan,
    close: () => new Promise<void>((r) => server.close(() => r())),
    async wait(n, path) {
      const mine = () => got.filter((g) => path === undefined || g.path === path);
      for (let i = 0; i < 400 && mine().length < n; i++) await new Promise((r) => setTimeout(r, 25));
      return mine();
    },
  };
}
