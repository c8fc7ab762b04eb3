/**
 * The operator's daily actions on a site, all through the operator API:
 * residents and tenancies (invite, remove, end a tenancy), gateways (token
 * shown once), developers' grants with consent_ref, the lock date behind a
 * confirmation, and revalidation with a progress bar.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { DateTime } from 'luxon';
import { api, ApiError, type SiteDetail } from '../api';
import { useAsync } from '../hooks';
import { fmtDate, t } from '../i18n';
import { href } from '../router';
import { NotFound } from './not-found';
import { BillingRuns } from '../cards/billing-runs';

interface ResidentV { id: string; name: string; email: string; has_password: boolean }
interface TenancyV { id: string; meter_id: string; resident_id: string; from: string; to: string | null }
interface DeveloperV { username: string }
interface GrantV { username: string; site_id: string; consent_ref: string; history_from: string | null }

function Copy({ text }: { text: string }) {
  const [done, setDone] = useState(false);
  return (
    <span class="copy">
      <code data-testid="secret">{text}</code>{' '}
      <button type="button" onClick={() => navigator.clipboard?.writeText(text).then(() => setDone(true), () => setDone(false))}>{done ? t('copied') : t('copy')}</button>
    </span>
  );
}

const errText = (e: unknown) => (e instanceof ApiError ? e.message : String(e));

export function AdminPage({ siteId }: { siteId: string }) {
  const detail = useAsync(() => api.site(siteId), [siteId]);
  if (detail.error) return <NotFound />;
  if (!detail.value) return <main id="main"><p>{t('loading')}</p></main>;
  return (
    <main id="main">
      <p><a href={href(`/sites/${siteId}`)}>← {detail.value.site.name}</a></p>
      <h1>{t('actions')}: {detail.value.site.name}</h1>
      <Residents detail={detail.value} />
      <Gateways siteId={siteId} />
      <Developers siteId={siteId} />
      <LockDate detail={detail.value} />
      <Revalidate detail={detail.value} />
      <BillingRuns siteId={siteId} zone={detail.value.site.timezone} now={Date.now()} />
    </main>
  );
}

function Residents({ detail }: { detail: SiteDetail }) {
  const zone = detail.site.timezone;
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const residents = useAsync(() => api.admin.get<ResidentV[]>('/residents'), [version]);
  const tenancies = useAsync(() => api.admin.get<TenancyV[]>(`/tenancies?site_id=${detail.site.id}`), [version]);
  const consumers = detail.meters.filter((m) => m.mode === 'consumption' && m.rule === null && m.in_balance);
  const meterName = (id: string) => detail.meters.find((m) => m.id === id)?.name ?? id;
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      setVersion(version + 1);
    } catch (e) {
      setError(errText(e));
    }
  };
  const add = (e: Event) => {
    e.preventDefault();
    const d = new FormData(e.target as HTMLFormElement);
    void act(async () => {
      const r = await api.admin.post<ResidentV>('/residents', { name: d.get('name'), email: d.get('email') });
      await api.admin.post('/tenancies', { resident_id: r.id, meter_id: d.get('meter'), from: d.get('from') });
      (e.target as HTMLFormElement).reset();
    });
  };
  const byId = new Map((residents.value ?? []).map((r) => [r.id, r]));
  return (
    <section class="card" aria-labelledby="h-residents">
      <h2 id="h-residents">{t('residents')} · {t('tenancies')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {link && <p data-testid="invite-link">{t('inviteLink')}: <Copy text={link} /></p>}
      <div class="table-wrap">
        <table>
          <thead><tr><th scope="col">{t('name')}</th><th scope="col">{t('meterCol')}</th><th scope="col">{t('from')}</th><th scope="col">{t('to')}</th><th scope="col"><span class="sr-only">{t('actions')}</span></th></tr></thead>
          <tbody>
            {(tenancies.value ?? []).map((x) => {
              const r = byId.get(x.resident_id);
              return (
                <tr data-tenancy={x.id}>
                  <th scope="row">{r?.name ?? x.resident_id}<br /><small>{r?.email}</small></th>
                  <td>{meterName(x.meter_id)}</td>
                  <td>{fmtDate(Date.parse(x.from), zone)}</td>
                  <td>
                    <form class="inline" onSubmit={(e) => {
                      e.preventDefault();
                      const v = String(new FormData(e.target as HTMLFormElement).get('to'));
                      void act(() => api.admin.patch(`/tenancies/${x.id}`, { to: v || null }));
                    }}>
                      <input type="date" name="to" aria-label={`${t('to')} (${r?.name ?? ''})`} value={x.to ? DateTime.fromISO(x.to, { zone }).toISODate()! : ''} />
                      <button type="submit">{t('save')}</button>
                    </form>
                  </td>
                  <td class="actions">
                    <button type="button" onClick={() => act(async () => {
                      const inv = await api.admin.post<{ path: string }>(`/residents/${x.resident_id}/invite`);
                      setLink(`${location.origin}${inv.path}`);
                    })}>{t('invite')}</button>{' '}
                    <button type="button" class="danger" onClick={() => confirm(`${t('remove')}: ${r?.name}?`) && act(() => api.admin.delete(`/residents/${x.resident_id}`))}>{t('remove')}</button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <form class="row-form" onSubmit={add}>
        <label>{t('name')}<input name="name" required /></label>
        <label>{t('email')}<input name="email" type="email" required /></label>
        <label>{t('meterCol')}<select name="meter">{consumers.map((m) => <option value={m.id}>{m.name}</option>)}</select></label>
        <label>{t('from')}<input name="from" type="date" required /></label>
        <button type="submit">{t('add')}</button>
      </form>
    </section>
  );
}

function Gateways({ siteId }: { siteId: string }) {
  const [token, setToken] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <section class="card" aria-labelledby="h-gw">
      <h2 id="h-gw">{t('gateways')}</h2>
      <form class="row-form" onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          const r = await api.admin.post<{ token: string }>(`/sites/${siteId}/gateways`, { name: new FormData(e.target as HTMLFormElement).get('name') });
          setToken(r.token);
        } catch (err) {
          setError(errText(err));
        }
      }}>
        <label>{t('name')}<input name="name" required /></label>
        <button type="submit">{t('createGateway')}</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {token && <p>{t('tokenOnce')}: <Copy text={token} /></p>}
    </section>
  );
}

function Developers({ siteId }: { siteId: string }) {
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const devs = useAsync(() => api.admin.get<DeveloperV[]>('/developers'), [version]);
  const grants = useAsync(async () => {
    const all = await Promise.all((devs.value ?? []).map((d) => api.admin.get<GrantV[]>(`/developers/${encodeURIComponent(d.username)}/grants`)));
    return all.flat().filter((g) => g.site_id === siteId);
  }, [devs.value, version]);
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      setVersion(version + 1);
    } catch (e) {
      setError(errText(e));
    }
  };
  return (
    <section class="card" aria-labelledby="h-dev">
      <h2 id="h-dev">{t('developers')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      <ul class="plain">
        {(grants.value ?? []).map((g) => (
          <li data-grant={g.username}>
            <strong>{g.username}</strong> · {g.consent_ref}{' '}
            <button type="button" class="danger" onClick={() => act(() => api.admin.delete(`/developers/${encodeURIComponent(g.username)}/grants/${siteId}`))}>{t('revoke')}</button>
          </li>
        ))}
      </ul>
      <form class="row-form" onSubmit={(e) => {
        e.preventDefault();
        const d = new FormData(e.target as HTMLFormElement);
        void act(() => api.admin.post(`/developers/${encodeURIComponent(String(d.get('username')))}/grants`, { site_id: siteId, consent_ref: d.get('consent_ref') }));
      }}>
        <label>{t('developers')}<select name="username">{(devs.value ?? []).map((d) => <option>{d.username}</option>)}</select></label>
        <label>{t('consentRef')}<input name="consent_ref" required /></label>
        <button type="submit">{t('grant')}</button>
      </form>
    </section>
  );
}

function LockDate({ detail }: { detail: SiteDetail }) {
  const zone = detail.site.timezone;
  const [lock, setLock] = useState(detail.site.lock_date);
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (pending) dialog.current?.showModal();
    else dialog.current?.close();
  }, [pending]);
  const confirmLock = async () => {
    try {
      const s = await api.admin.patch<{ lock_date: string | null }>(`/sites/${detail.site.id}`, { lock_date: DateTime.fromISO(pending!, { zone }).toUTC().toISO() });
      setLock(s.lock_date);
    } catch (e) {
      setError(errText(e));
    }
    setPending(null);
  };
  return (
    <section class="card" aria-labelledby="h-lock">
      <h2 id="h-lock">{t('lockDate')}</h2>
      <p data-testid="lock-date">{lock ? fmtDate(Date.parse(lock), zone, { dateStyle: 'long', timeStyle: 'short' }) : '–'}</p>
      <form class="row-form" onSubmit={(e) => {
        e.preventDefault();
        setPending(String(new FormData(e.target as HTMLFormElement).get('lock')));
      }}>
        <label>{t('lockDate')}<input type="date" name="lock" required /></label>
        <button type="submit">{t('setLock')}</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      <dialog ref={dialog} aria-labelledby="h-lock-confirm" onClose={() => setPending(null)}>
        <h3 id="h-lock-confirm">{t('setLock')}</h3>
        <p>{pending ? t('lockConfirm', { date: fmtDate(DateTime.fromISO(pending, { zone }).toMillis(), zone, { dateStyle: 'long' }) }) : ''}</p>
        <div class="row-form">
          <button type="button" class="danger" onClick={confirmLock}>{t('confirm')}</button>
          <button type="button" onClick={() => setPending(null)}>{t('cancel')}</button>
        </div>
      </dialog>
    </section>
  );
}

/**
 * Revalidates the site a month at a time, oldest first, so the bar shows real
 * progress (the operator API's revalidate takes a range; validation reads
 * context across a month's edges, so the months join as one run would).
 */
function Revalidate({ detail }: { detail: SiteDetail }) {
  type Counts = { meters: number; intervals: number; allocated: number };
  const [state, setState] = useState<'idle' | { done: number; total: number; counts: Counts } | string>('idle');
  const run = async () => {
    const zone = detail.site.timezone;
    const months: DateTime[] = [];
    for (let m = DateTime.fromISO(detail.site.creation_date ?? '2000-01-01', { zone }).startOf('month'); m.toMillis() <= Date.now(); m = m.plus({ months: 1 })) months.push(m);
    const counts: Counts = { meters: 0, intervals: 0, allocated: 0 };
    setState({ done: 0, total: months.length, counts });
    try {
      for (const [i, m] of months.entries()) {
        const r = await api.admin.post<Counts>(`/sites/${detail.site.id}/revalidate`, { from: m.toUTC().toISO(), to: m.plus({ months: 1 }).toUTC().toISO() });
        counts.meters = Math.max(counts.meters, r.meters);
        counts.intervals += r.intervals;
        counts.allocated += r.allocated;
        setState({ done: i + 1, total: months.length, counts: { ...counts } });
      }
    } catch (e) {
      setState(errText(e));
    }
  };
  const running = typeof state === 'object' && state.done < state.total;
  return (
    <section class="card" aria-labelledby="h-reval">
      <h2 id="h-reval">{t('revalidate')}</h2>
      <button type="button" onClick={run} disabled={running} data-testid="revalidate">{t('revalidate')}</button>
      {typeof state === 'object' && (
        <p role="status" data-testid="revalidate-status" data-done={state.done === state.total ? 'yes' : 'no'}>
          <progress value={state.done} max={state.total} aria-label={t('revalidating')} /> {state.done}/{state.total}
          {state.done === state.total && ` ${t('done')}: ${state.counts.meters} meters, ${state.counts.intervals} intervals, ${state.counts.allocated} allocated`}
        </p>
      )}
      {typeof state === 'string' && state !== 'idle' && <p class="error" role="alert">{state}</p>}
    </section>
  );
}
