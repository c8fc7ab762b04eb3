import { t } from '../i18n';
import { href } from '../router';

export function NotFound() {
  return (
    <main id="main" class="narrow">
      <h1 data-testid="not-found">{t('notFound')}</h1>
      <p>{t('notFoundText')}</p>
      <p><a href={href('/')}>{t('back')}</a></p>
    </main>
  );
}
