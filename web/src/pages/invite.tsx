/** The invite link: the resident sets a password (once) and is logged in. */
import { useEffect, useState } from 'preact/hooks';
import { api, type Session } from '../api';
import { setLang, t } from '../i18n';

export function Invite({ token, onLogin }: { token: string; onLogin: (s: Session) => void }) {
  const [who, setWho] = useState<{ name: string; email: string } | null | 'invalid'>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.invite(token).then((i) => {
      if (!i.valid) return setWho('invalid');
      if (i.language && !localStorage.getItem('kwhub.lang')) setLang(i.language, false);
      setWho({ name: i.name!, email: i.email! });
    }, () => setWho('invalid'));
  }, [token]);
  if (who === null) return <main id="main" class="narrow"><p>{t('loading')}</p></main>;
  if (who === 'invalid') return <main id="main" class="narrow"><h1>{t('setPassword')}</h1><p class="error" role="alert" data-testid="invite-invalid">{t('inviteInvalid')}</p></main>;
  const submit = async (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const a = String(data.get('password'));
    if (a.length < 10) return setError(t('passwordShort'));
    if (a !== String(data.get('repeat'))) return setError(t('passwordsDiffer'));
    try {
      onLogin(await api.acceptInvite(token, a));
      location.hash = '#/';
    } catch {
      setWho('invalid');
    }
  };
  return (
    <main id="main" class="narrow">
      <h1>{t('setPassword')}</h1>
      <p>{t('welcome', { name: who.name })} ({who.email})</p>
      <form class="card form" onSubmit={submit}>
        <input type="hidden" name="username" value={who.email} autocomplete="username" />
        <label>{t('password')}<input name="password" type="password" autocomplete="new-password" minLength={10} required /></label>
        <label>{t('passwordRepeat')}<input name="repeat" type="password" autocomplete="new-password" minLength={10} required /></label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary">{t('save')}</button>
      </form>
    </main>
  );
}
