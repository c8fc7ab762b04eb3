/** Log in: residents with their e-mail and password, operators with an account or the operator token. */
import { useState } from 'preact/hooks';
import { api, ApiError, type Session } from '../api';
import { t } from '../i18n';

export function Login({ onLogin }: { onLogin: (s: Session) => void }) {
  const [token, setToken] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    setError(null);
    try {
      const s = token ? await api.login({ token: String(data.get('token')) }) : await api.login({ username: String(data.get('username')), password: String(data.get('password')) });
      onLogin(s);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 429 ? err.message : t('badLogin'));
    }
  };
  return (
    <main id="main" class="narrow">
      <h1>{t('login')}</h1>
      <form class="card form" onSubmit={submit}>
        {token ? (
          <label>{t('operatorToken')}<input name="token" type="password" autocomplete="off" required /></label>
        ) : (
          <>
            <label>{t('username')}<input name="username" autocomplete="username" required /></label>
            <label>{t('password')}<input name="password" type="password" autocomplete="current-password" required /></label>
          </>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary">{t('login')}</button>
        <button type="button" class="link" onClick={() => setToken(!token)}>{token ? t('usePassword') : t('useToken')}</button>
      </form>
    </main>
  );
}
