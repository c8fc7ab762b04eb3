/** Object ids like the vendor's: 24 lowercase hex characters (4 bytes time, 8 bytes random). */
const OBJECT_ID = /^[0-9a-f]{24}$/;

export function isObjectId(s: unknown): s is string {
  return typeof s === 'string' && OBJECT_ID.test(s);
}

export function newObjectId(nowMs: number, random: (bytes: number) => Uint8Array): string {
  const secs = Math.floor(nowMs / 1000) >>> 0;
  const head = secs.toString(16).padStart(8, '0');
  const tail = Array.from(random(8), (b) => b.toString(16).padStart(2, '0')).join('');
  return head + tail;
}
