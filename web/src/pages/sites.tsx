/** The operator's sites overview: one line per site, data health in red where it needs attention. */
import { useEffect, useState } from 'preact/hooks';
import { api, type SiteOverview } from '../api';
import { fmtAge, fmtKwh, fmtPct, t } from '../i18n';
import { href } from '../router';

export function Sites() {
  const [sites, setSites] = useState<SiteOverview[] | null>(null);
  useEffect(() => void api.sites().then(setSites), []);
  return (
    <main id="main">
      <h1>{t('sites')}</h1>
      {sites === null ? <p>{t('loading')}</p> : (
        <div class="table-wrap card">
          <table class="overview">
            <thead>
              <tr>
                <th scope="col">{t('site')}</th><th scope="col">{t('production')} · {t('today')}</th><th scope="col">{t('production')} · {t('thisMonth')}</th>
                <th scope="col">{t('selfConsumption')}</th><th scope="col">{t('selfSufficiency')}</th><th scope="col">{t('lastReading')}</th>
                <th scope="col">{t('estimated')}</th><th scope="col">{t('rejected')}</th><th scope="col">{t('silent')}</th>
              </tr>
            </thead>
            <tbody>
              {sites.map((s) => {
                const h = s.health;
                const old = h?.last_reading_age_s === null || (h?.last_reading_age_s ?? 0) > 3600;
                return (
                  <tr data-site={s.id}>
                    <th scope="row"><a href={href(`/sites/${s.id}`)}>{s.name}</a></th>
                    <td>{fmtKwh(s.today.prod_total)}</td>
                    <td>{fmtKwh(s.month.prod_total)}</td>
                    <td>{fmtPct(s.self_consumption)}</td>
                    <td>{fmtPct(s.self_sufficiency)}</td>
                    <td class={old ? 'bad' : ''}>{h?.last_reading_age_s == null ? '–' : t('ago', { n: fmtAge(h.last_reading_age_s) })}</td>
                    <td>{fmtPct(h?.estimated_share)}</td>
                    <td class={(h?.rejected_readings ?? 0) > 0 ? 'warn' : ''}>{h?.rejected_readings ?? '–'}</td>
                    <td class={(h?.silent_meters.length ?? 0) > 0 ? 'bad' : ''}>
                      {h && h.silent_meters.length > 0 ? h.silent_meters.map((m) => m.name).join(', ') : t('none')}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
