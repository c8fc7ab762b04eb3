/**
 * Webhooks against a real receiver on 127.0.0.1: every change-feed entry of
 * a developer's sites arrives signed (the SDK's verify accepts it); a
 * receiver that fails twice gets the delivery three times, with growing
 * delays, under one delivery id; a receiver that keeps failing (or answers
 * with a redirect) gets its webhook paused, visible with its reason, and
 * resuming delivers what was held; only https URLs are accepted; the
 * receiver's answers are kept to 1 KiB. The retry schedule is shortened by
 * configuration so that this runs in seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBody, startTestServer, type TestServer } from '../helpers/server.js';
import { DAY, HOUR, createPipelineSite, indexSeries, isoZ, type ElecReading, type PipelineSite } from '../helpers/pipeline.js';
import { verifyWebhookSignature } from '../../packages/sdk/src/index.js';
import { checkWebhookUrl } from '../../src/server/modules/webhooks/webhooks.usecases.js';
import { startReceiver } from '../helpers/receiver.js';

const D0 = Date.UTC(2024, 9, 7);
const LATE = D0 + DAY + 10 * HOUR;

let server: TestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  server = await startTestServer({
    config: {
      rateLimitMax: 0, webhookAllowLoopbackHttp: true, webhookPollMs: 20, webhookRetryBaseMs: 250, webhookRetryMaxMs: 5000,
      webhookMaxAttempts: 6, webhookPauseAfter: 3,
    },
  });
  server.clock.set(D0 + 3 * DAY);
  receiver = await startReceiver();
});

afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

/** a site of its own developer, with a day of history missing one reading; `late()` sends it (one change-feed entry) */
async function siteWithLateReading(name: string): Promise<{ S: PipelineSite; late(): Promise<void> }> {
  const S = await createPipelineSite(server, { name, timezone: 'UTC' });
  const apt = await S.meter({ name: 'Apt', prim_ad: 11 });
  const all: ElecReading[] = indexSeries(apt, D0, D0 + 2 * DAY, (t) => ({ im: 0.25 + 0.125 * (new Date(t).getUTCHours() % 3), ex: 0 }));
  await S.pushOk({ meters: all.filter((r) => r.timestamp !== isoZ(LATE)) });
  return { S, late: async () => void (await S.pushOk({ meters: all.filter((r) => r.timestamp === isoZ(LATE)) })) };
}

async function register(S: PipelineSite, path: string, secret = 'a-test-secret-of-32-characters!!') {
  const res = await S.admin.post(`/developers/${S.developer.username}/webhooks`, { url: `${receiver.url}${path}`, secret });
  expect(res.status, res.text).toBe(201);
  expect(res.body.secret).toBe(secret);
  return res.body as { id: string; url: string };
}

/** the delivery log once its first delivery is recorded as delivered: the receiver has a request before the sender has recorded its answer (bounded) */
async function deliveredLog(S: PipelineSite, hookId: string): Promise<{ status: number; body: any }> {
  let log = await S.admin.get(`/developers/${S.developer.username}/webhooks/${hookId}/deliveries`);
  for (let i = 0; i < 100 && log.body.deliveries?.[0]?.status !== 'delivered'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    log = await S.admin.get(`/developers/${S.developer.username}/webhooks/${hookId}/deliveries`);
  }
  return log;
}

describe('webhooks', () => {
  it('should POST each change-feed entry, signed with the secret, the same entry the feed lists', async () => {
    const { S, late } = await siteWithLateReading('Signed');
    const hook = await register(S, '/signed');
    await late();
    const [d] = await receiver.wait(1, '/signed');
    expect(d.headers['content-type']).toBe('application/json');
    const signature = d.headers['x-kwhub-signature'] as string;
    const timestamp = d.headers['x-kwhub-timestamp'] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(await verifyWebhookSignature({ secret: 'a-test-secret-of-32-characters!!', body: d.body, signature, timestamp })).toBe(true);
    expect(await verifyWebhookSignature({ secret: 'another-secret-another-secret!!!', body: d.body, signature, timestamp })).toBe(false);
    expect(await verifyWebhookSignature({ secret: 'a-test-secret-of-32-characters!!', body: `${d.body} `, signature, timestamp })).toBe(false);
    const payload = JSON.parse(d.body);
    const feed = await (await S.dev()).get(`/changes/${S.siteId}`);
    expect(payload).toEqual({ delivery_id: d.headers['x-kwhub-delivery-id'], site_id: S.siteId, change: feed.body.changes[0] });
    expect(payload.change.kind).toBe('data');
    const log = await deliveredLog(S, hook.id);
    expect(log.status).toBe(200);
    expect(log.body.deliveries).toHaveLength(1);
    expect(log.body.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 1, last_status: 200, next_attempt_at: null, cursor: payload.change.cursor });
  });

  it('should deliver three times with growing delays to a receiver that fails twice, under one delivery id', async () => {
    const { S, late } = await siteWithLateReading('Flaky');
    const hook = await register(S, '/flaky');
    receiver.plan.splice(0, receiver.plan.length, { status: 500, body: 'x'.repeat(5000) }, { status: 503 }, { status: 204 });
    try {
      await late();
      const got = await receiver.wait(3, '/flaky');
      expect(got).toHaveLength(3);
      expect(new Set(got.map((g) => g.headers['x-kwhub-delivery-id'])).size).toBe(1);
      expect(new Set(got.map((g) => g.body)).size).toBe(1);
      const gap1 = got[1].at - got[0].at;
      const gap2 = got[2].at - got[1].at;
      // 250 ms then 500 ms, each ±20 %: the second wait is longer
      expect(gap1).toBeGreaterThanOrEqual(190);
      expect(gap2).toBeGreaterThan(gap1);
      const log = await deliveredLog(S, hook.id);
      const [d] = log.body.deliveries;
      expect(d).toMatchObject({ status: 'delivered', attempts: 3, last_status: 204 });
      expect(d.log.map((a: { status: number }) => a.status)).toEqual([500, 503, 204]);
      expect(d.log[0].error).toBe('HTTP 500');
      // delivered: never sent again
      await new Promise((r) => setTimeout(r, 800));
      expect(receiver.got.filter((g) => g.path === '/flaky')).toHaveLength(3);
    } finally {
      receiver.plan.splice(0, receiver.plan.length, { status: 200 });
    }
  });

  it('should pause a webhook that keeps failing, show why, keep at most 1 KiB of its answers, and deliver after a resume', async () => {
    const { S, late } = await siteWithLateReading('Broken');
    const hook = await register(S, '/broken');
    // a redirect is not followed: it counts as a failure
    receiver.plan.splice(0, receiver.plan.length, { status: 302, location: 'https://elsewhere.example/', body: 'y'.repeat(4000) });
    try {
      await late();
      await receiver.wait(3, '/broken');
      let list: { paused_at: string | null; paused_reason: string | null; failures: number }[] = [];
      for (let i = 0; i < 100; i++) {
        list = (await S.admin.get(`/developers/${S.developer.username}/webhooks`)).body;
        if (list[0]?.paused_at) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(list[0].paused_at).not.toBeNull();
      expect(list[0].paused_reason).toContain('3 failed attempts in a row');
      expect(list[0].paused_reason).toContain('HTTP 302');
      const log = await S.admin.get(`/developers/${S.developer.username}/webhooks/${hook.id}/deliveries`);
      const [d] = log.body.deliveries;
      expect(d.status).toBe('pending');
      expect(d.attempts).toBe(3);
      expect(d.last_error).toBe('redirect to https://elsewhere.example/ not followed');
      expect(d.last_body).toHaveLength(1024);
      // paused: nothing more is sent
      await new Promise((r) => setTimeout(r, 1000));
      expect(receiver.got.filter((g) => g.path === '/broken')).toHaveLength(3);
      receiver.plan.splice(0, receiver.plan.length, { status: 200 });
      const resumed = await S.admin.post(`/developers/${S.developer.username}/webhooks/${hook.id}/resume`);
      expect(resumed.status).toBe(200);
      expect(resumed.body).toMatchObject({ paused_at: null, paused_reason: null, failures: 0 });
      expect(await receiver.wait(4, '/broken')).toHaveLength(4);
    } finally {
      receiver.plan.splice(0, receiver.plan.length, { status: 200 });
    }
  });

  it('should accept only https URLs (plain http to 127.0.0.1 only with the setting) and answer 404 for unknown ones', async () => {
    const S = await createPipelineSite(server, { name: 'Urls', timezone: 'UTC' });
    const post = (url: string) => S.admin.post(`/developers/${S.developer.username}/webhooks`, { url });
    for (const url of ['http://example.com/hook', 'ftp://example.com/', 'https://user:pw@example.com/', 'not a url']) {
      const res = await post(url);
      expect(res.status, url).toBe(400);
      expect(errorBody(res).message).toMatch(/url/);
    }
    const ok = await post('https://integrator.example/hook');
    expect(ok.status).toBe(201);
    // a generated secret, shown once
    expect(ok.body.secret.length).toBeGreaterThanOrEqual(32);
    expect((await S.admin.get(`/developers/${S.developer.username}/webhooks`)).body[0].secret).toBeUndefined();
    expect(() => checkWebhookUrl('http://127.0.0.1:9/hook', false)).toThrow(/KWHUB_WEBHOOK_ALLOW_LOOPBACK_HTTP/);
    expect(checkWebhookUrl('http://127.0.0.1:9/hook', true).port).toBe('9');
    expect((await S.admin.get(`/developers/${S.developer.username}/webhooks/0123456789abcdef01234567/deliveries`)).status).toBe(404);
    expect((await S.admin.get('/developers/nobody-here/webhooks')).status).toBe(404);
  });
});
