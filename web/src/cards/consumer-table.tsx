/** Per consumer: total, solar and grid energy of the period and the solar share; sortable by every column. */
import { useState } from 'preact/hooks';
import { total, type Frame, type Meter } from '../api';
import { fmtKwh, fmtPct, t, type Key } from '../i18n';
import { href } from '../router';

type Col = 'name' | 'total' | 'self' | 'ext' | 'share';

export function ConsumerTable({ frame, meters, siteId, unit = 'kWh', shares = true }: { frame: Frame; meters: Meter[]; siteId: string; unit?: string; shares?: boolean }) {
  const [sort, setSort] = useState<{ col: Col; desc: boolean }>({ col: 'total', desc: true });
  const rows = meters
    .filter((m) => m.mode === 'consumption' && `total_${m.id}` in frame.columns)
    .map((m) => {
      const tot = total(frame, `total_${m.id}`);
      const self = total(frame, `self_${m.id}`);
      const ext = total(frame, `ext_${m.id}`);
      return { m, name: m.name, total: tot, self, ext, share: tot > 0 ? self / tot : 0 };
    });
  rows.sort((a, b) => {
    const x = a[sort.col];
    const y = b[sort.col];
    const c = typeof x === 'string' ? x.localeCompare(y as string) : (x as number) - (y as number);
    return sort.desc ? -c : c;
  });
  const cols: [Col, Key][] = shares ? [['name', 'name'], ['total', 'total'], ['self', 'self'], ['ext', 'ext'], ['share', 'share']] : [['name', 'name'], ['total', 'total']];
  const head = (col: Col, key: Key) => (
    <th scope="col" aria-sort={sort.col === col ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" class="sort" data-sort={col} aria-label={t('sortBy', { col: t(key) })} onClick={() => setSort({ col, desc: sort.col === col ? !sort.desc : col !== 'name' })}>
        {t(key)}{sort.col === col ? (sort.desc ? ' ▾' : ' ▴') : ''}
      </button>
    </th>
  );
  return (
    <div class="table-wrap">
      <table class="consumers">
        <thead><tr>{cols.map(([c, k]) => head(c, k))}</tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr data-meter={r.m.id}>
              <th scope="row"><a href={href(`/sites/${siteId}/meters/${r.m.id}`)}>{r.name}</a></th>
              <td>{fmtKwh(r.total, unit)}</td>
              {shares && <td>{fmtKwh(r.self, unit)}</td>}
              {shares && <td>{fmtKwh(r.ext, unit)}</td>}
              {shares && <td>{fmtPct(r.share)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
