/**
 * Compressed answers (C1): `Accept-Encoding: br` or `gzip` is honoured on
 * every JSON and CSV answer of every API, streamed answers included, by
 * @fastify/compress (one onSend hook on every route; q-values, `identity`,
 * `*` and `x-gzip` as it negotiates them, br first on a tie). Answers under
 * 1 KB are sent as they are: the header and framing would cost more than
 * they save.
 *
 * Levels, measured on a site month at 15T (22 MB of JSON whose digits are
 * mostly noise, bench/answers.ts; streamed in 64 KB pieces as served; sizes
 * exact, times the minimum of runs in turns on a busy 2-core machine):
 * - brotli: the default quality 11 takes seconds. A 64 KB window (lgwin 16)
 *   beats the default 4 MB at every quality tried: a row of 62 meters is
 *   ~7 KB, so every repeat is near, and short distances cost fewer bits.
 *   Quality 2 with it: 8.2× smaller in about gzip 1's time (71 against
 *   64 ms); quality 4: 8.9× (with a size hint of at least 1 MiB) for 1.7
 *   times that; quality 5: 9.8× for twice. Quality 2 meets C1's ≥ 8× and
 *   keeps the time of an answer compressed close to that of the plain one.
 * - gzip: level 1 gives 6.7×; levels 4 and 6 give 7.5× and 8.0× for 1.3×
 *   and 5× the time. Level 1: gzip is for clients without brotli, and an
 *   answer should not take much longer compressed.
 * zlib streams run on libuv's thread pool, so the answer is formatted (main
 * thread) while it is compressed, but the plugin's stream hands zlib one write
 * at a time and takes the next only once it is compressed, and zlib returns
 * to the main thread each time its output buffer fills (16 KB by default).
 * With 64 KB pieces every small job waited for a turn of the busy main thread
 * (which also reads two weeks of rows at a time, ~12 ms), and the compressed
 * answer took about the sum of both times (C1 br 2.1× the plain one). Streamed
 * answers are therefore handed over in batches of COMPRESS_BATCH_BYTES, each
 * one job of zlib (an output buffer of COMPRESS_CHUNK_BYTES holds a batch's output):
 * 1.3 to 1.45× the plain time (bench/answers.ts), zlib then busy from the
 * answer's first batch to its last. What remains is compression's own CPU
 * (~85 ms for the month beside the formatter on a shared 2-core machine):
 * batches of 256 KB to 2 MB, a compressor of our own taking several batches
 * ahead, and reads of 2 or 4 days instead of 14 measured the same.
 */
import { constants } from 'node:zlib';
import compress from '@fastify/compress';
import { negotiate } from '@fastify/accept-negotiator';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** below this many bytes an answer is not compressed */
export const COMPRESS_THRESHOLD = 1024;
export const GZIP_LEVEL = 1;
export const BROTLI_QUALITY = 2;
/** a streamed answer is handed to the compressor in batches of this many bytes (stream-answer.ts) */
export const COMPRESS_BATCH_BYTES = 512 * 1024;
/** zlib's output buffer: a batch's compressed bytes fit, so a batch is one job on the thread pool */
export const COMPRESS_CHUNK_BYTES = 256 * 1024;
/** log2 of brotli's window */
export const BROTLI_WINDOW_BITS = 16;
/** in the server's order of preference on a tie of the client's q-values */
export const ENCODINGS = ['br', 'gzip'] as const;

/** adds `accept-encoding` to the answer's Vary (once, lower case: @fastify/compress looks for it so) */
export function varyOnEncoding(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  const list = vary === undefined ? [] : String(vary).split(',').map((v) => v.trim()).filter(Boolean);
  if (!list.some((v) => v.toLowerCase() === 'accept-encoding' || v === '*')) reply.header('vary', [...list, 'accept-encoding'].join(', '));
}

/**
 * The coding @fastify/compress chooses for a request's Accept-Encoding
 * (null: none, identity), read the same way: `*` and `x-gzip` mean gzip.
 */
export function negotiatedEncoding(req: FastifyRequest): 'br' | 'gzip' | null {
  const header = req.headers['accept-encoding'];
  if (!header || req.headers['x-no-compression'] !== undefined) return null;
  const e = negotiate(header.toLowerCase().replace(/\*|x-gzip/g, 'gzip'), [...ENCODINGS]);
  return e === 'br' || e === 'gzip' ? e : null;
}

/** what @fastify/compress compresses (its default list): text, JSON, XML */
const COMPRESSIBLE = /^text\/(?!event-stream)|(?:\+|\/)json(?:;|$)|(?:\+|\/)text(?:;|$)|(?:\+|\/)xml(?:;|$)/u;

export async function registerCompression(app: FastifyInstance): Promise<void> {
  await app.register(compress, {
    global: true,
    threshold: COMPRESS_THRESHOLD,
    encodings: [...ENCODINGS],
    zlibOptions: { level: GZIP_LEVEL, chunkSize: COMPRESS_CHUNK_BYTES },
    brotliOptions: { chunkSize: COMPRESS_CHUNK_BYTES, params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS } },
  });
  // An answer that would be compressed for another Accept-Encoding says so in Vary when it is not
  // (RFC 9110 §12.5.5: caches then keep the variants apart); compressed ones get it from the plugin.
  app.addHook('onSend', (req, reply, payload, done) => {
    if (payload !== null && payload !== undefined && reply.statusCode !== 204 && reply.statusCode !== 304) {
      const big = typeof payload === 'string' || Buffer.isBuffer(payload) ? Buffer.byteLength(payload as string | Buffer) >= COMPRESS_THRESHOLD : true;
      if (big && COMPRESSIBLE.test(String(reply.getHeader('content-type') ?? 'application/json'))) varyOnEncoding(reply);
    }
    done(null, payload);
  });
}
