/**
 * The operator's billing runs of a site, through the operator API: compute
 * a draft for a period, preview it (every participant's total and cap
 * check), open any participant's PDF, download the owner's statement and the
 * invoice lines, and finalize it behind a confirmation (with a recorded
 * reason when a cap is exceeded).
 */
import { useState } from 'preact/hooks';
import { DateTime } from 'luxon';
import { api, ApiError } from '../api';
import { useAsync } from '../hooks';
import { t } from '../i18n';

interface RunSummary { id: string; from: string; to: string; status: 'draft' | 'finalized'; finalizable: boolean; invoices: number; invoiced_centimes: number }
interface Invoice { participant_id: string; name: string; total: number; cap: { ok: boolean; percent: number | null; limit_percent: number; override_reason: string | null } }
interface RunDetail extends RunSummary { numbers: Record<string, string> | null; run: { invoices: Invoice[]; blockers: string[]; warnings: string[] } }

const chf = (c: number) => `CHF ${(c / 100).toFixed(2)}`;
const errText = (e: unknown) => (e instanceof ApiError ? e.message : String(e));

export function BillingRuns({ siteId, zone, now }: { siteId: string; zone: string; now: number }) {
  const base = `/sites/${siteId}/billing-runs`;
  const [version, setVersion] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const runs = useAsync(() => api.admin.get<RunSummary[]>(base), [siteId, version]);
  const q = DateTime.fromMillis(now, { zone }).startOf('quarter').minus({ quarters: 1 });
  const create = (e: Event) => {
    e.preventDefault();
    const d = new FormData(e.target as HTMLFormElement);
    setError(null);
    api.admin.post<RunSummary>(base, { from: d.get('from'), to: d.get('to') }).then((r) => { setOpen(r.id); setVersion(version + 1); }, (err) => setError(errText(err)));
  };
  return (
    <section class="card" aria-labelledby="h-billing" data-testid="billing">
      <h2 id="h-billing">{t('billing')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      <form onSubmit={create} class="row">
        <label>{t('from')} <input name="from" type="date" required value={q.toISODate()!} /></label>{' '}
        <label>{t('to')} <input name="to" type="date" required value={q.plus({ quarters: 1 }).toISODate()!} /></label>{' '}
        <button type="submit" data-testid="new-run">{t('newRun')}</button>
      </form>
      <table>
        <thead><tr><th>{t('period')}</th><th>{t('status')}</th><th>{t('amount')}</th><th /></tr></thead>
        <tbody>
          {(runs.value ?? []).map((r) => (
            <tr data-run={r.id} data-status={r.status}>
              <td>{r.from} – {r.to}</td>
              <td>{r.status === 'draft' ? t('draft') : t('finalized')}{!r.finalizable && <span class="error"> · {t('capExceeded')}</span>}</td>
              <td>{chf(r.invoiced_centimes)}</td>
              <td><button type="button" class="link" onClick={() => setOpen(open === r.id ? null : r.id)} data-testid="preview">{t('preview')}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && <RunView key={open} base={base} runId={open} onChange={() => setVersion(version + 1)} />}
    </section>
  );
}

function RunView({ base, runId, onChange }: { base: string; runId: string; onChange: () => void }) {
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const run = useAsync(() => api.admin.get<RunDetail>(`${base}/${runId}`), [runId, version]);
  const r = run.value;
  if (!r) return <p>{t('loading')}</p>;
  const doc = (name: string) => `/api/portal/v1/admin${base}/${runId}/documents/${name}`;
  const needsReason = r.run.invoices.some((i) => !i.cap.ok && i.cap.override_reason === null);
  const finalize = (e: Event) => {
    e.preventDefault();
    const reason = new FormData(e.target as HTMLFormElement).get('reason');
    setError(null);
    api.admin.post(`${base}/${runId}/finalize`, needsReason ? { override: { reason } } : {}).then(() => { setConfirming(false); setVersion(version + 1); onChange(); }, (err) => setError(errText(err)));
  };
  return (
    <div class="run" data-testid="run" data-status={r.status}>
      <h3>{r.from} – {r.to} · {r.status === 'draft' ? t('draft') : t('finalized')}</h3>
      {error && <p class="error" role="alert">{error}</p>}
      <table>
        <thead><tr><th>{t('invoiceNo')}</th><th>{t('name')}</th><th>{t('amount')}</th><th>Cap</th><th /></tr></thead>
        <tbody>
          {r.run.invoices.map((i) => (
            <tr data-participant={i.participant_id}>
              <td>{r.numbers?.[i.participant_id] ?? '–'}</td>
              <td>{i.name}</td>
              <td>{chf(i.total)}</td>
              <td class={i.cap.ok || i.cap.override_reason ? '' : 'error'}>{i.cap.percent === null ? '–' : `${i.cap.percent} % / ${i.cap.limit_percent} %`}</td>
              <td><a href={doc(`invoice-${i.participant_id}.pdf`)} target="_blank" rel="noopener" data-testid="invoice-pdf">PDF</a></td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <a href={doc('owner-statement.pdf')} target="_blank" rel="noopener">{t('ownerStatement')} (PDF)</a> ·{' '}
        <a href={doc('owner-statement.csv')}>{t('ownerStatement')} (CSV)</a> · <a href={doc('invoice-lines.csv')}>{t('invoiceLines')}</a>
      </p>
      {r.status === 'draft' && !confirming && <button type="button" onClick={() => setConfirming(true)} data-testid="finalize">{t('finalize')}</button>}
      {r.status === 'draft' && confirming && (
        <form onSubmit={finalize} aria-label={t('finalize')} data-testid="finalize-form">
          <p>{t('finalizeConfirm', { date: r.to })}</p>
          {needsReason && <label>{t('overrideReason')} <input name="reason" required minLength={3} /></label>}{' '}
          <button type="submit" data-testid="finalize-confirm">{t('confirm')}</button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>{t('cancel')}</button>
        </form>
      )}
    </div>
  );
}
