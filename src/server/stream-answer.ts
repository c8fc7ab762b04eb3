/**
 * Sends an answer made in pieces (series, CSV exports): pieces are pulled
 * until a whole piece's worth is in hand; an answer that ends by then is sent
 * as one buffer (a Content-Length, and under 1 KB no compression: the
 * compressor only measures buffers), a longer one is streamed from there
 * with backpressure, a few pieces ahead of the socket at most. An error
 * before the first bytes leave is still a JSON error answer.
 */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { PIECE_BYTES } from './modules/series/byte-writer.js';
import { COMPRESS_BATCH_BYTES, negotiatedEncoding } from './compression.js';

type Pieces = AsyncIterable<Buffer | string> | Iterable<Buffer | string>;

/** the pieces, from `head` on: as they come, or joined into buffers of at least `batch` bytes (null: as they come) */
async function* rest(head: Buffer[], it: AsyncIterator<Buffer | string> | Iterator<Buffer | string>, batch: number | null): AsyncGenerator<Buffer> {
  try {
    if (batch === null) {
      yield* head;
      for (let r = await it.next(); !r.done; r = await it.next()) yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      return;
    }
    let held = head;
    let size = head.reduce((n, b) => n + b.length, 0);
    for (let r = await it.next(); !r.done; r = await it.next()) {
      held.push(typeof r.value === 'string' ? Buffer.from(r.value) : r.value);
      size += held[held.length - 1]!.length;
      if (size >= batch) {
        yield held.length === 1 ? held[0]! : Buffer.concat(held, size);
        held = [];
        size = 0;
      }
    }
    if (held.length > 0) yield held.length === 1 ? held[0]! : Buffer.concat(held, size);
  } finally {
    // a client gone mid-answer: the source stops too
    await it.return?.();
  }
}

export async function sendPieces(reply: FastifyReply, pieces: Pieces): Promise<FastifyReply> {
  const it = Symbol.asyncIterator in pieces ? pieces[Symbol.asyncIterator]() : pieces[Symbol.iterator]();
  const head: Buffer[] = [];
  let size = 0;
  for (;;) {
    const r = await it.next();
    if (r.done) return reply.send(head.length === 1 ? head[0] : Buffer.concat(head));
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    head.push(b);
    size += b.length;
    if (size >= PIECE_BYTES) break;
  }
  // compressed, in batches: one zlib job each, formatted while the last is compressed (compression.ts)
  const batch = negotiatedEncoding(reply.request) === null ? null : COMPRESS_BATCH_BYTES;
  return reply.send(Readable.from(rest(head, it, batch), { objectMode: false, highWaterMark: batch === null ? 4 * PIECE_BYTES : 2 * batch }));
}
