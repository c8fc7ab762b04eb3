/** A resident's own invoices (finalized billing runs), each downloadable as its PDF with the QR bill. */
import { api } from '../api';
import { useAsync } from '../hooks';
import { t } from '../i18n';

interface MyInvoice { run_id: string; site_name: string; from: string; to: string; number: string | null; total_centimes: number; balance_centimes: number; pdf: string }

export function MyInvoices() {
  const list = useAsync(() => api.invoices<MyInvoice[]>(), []);
  return (
    <section class="card" aria-labelledby="h-invoices" data-testid="my-invoices">
      <h2 id="h-invoices">{t('invoices')}</h2>
      {!list.value ? <p>{t('loading')}</p> : list.value.length === 0 ? <p class="muted">{t('noInvoices')}</p> : (
        <table>
          <thead><tr><th>{t('invoiceNo')}</th><th>{t('period')}</th><th>{t('amount')}</th><th /></tr></thead>
          <tbody>
            {list.value.map((i) => (
              <tr data-invoice={i.number ?? i.run_id}>
                <td>{i.number}</td>
                <td>{i.from} – {i.to}</td>
                <td>CHF {(i.total_centimes / 100).toFixed(2)}</td>
                <td><a href={i.pdf} download data-testid="my-invoice-pdf">{t('downloadPdf')}</a></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
