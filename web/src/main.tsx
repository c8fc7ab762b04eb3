/** The portal page: who is logged in decides the pages; the hash route picks one. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Session } from './api';
import { LANGS, lang, setLang, t } from './i18n';
import { period } from './period';
import { route, href } from './router';
import { AdminPage } from './pages/admin';
import { Home } from './pages/home';
import { Invite } from './pages/invite';
import { Login } from './pages/login';
import { MeterPage } from './pages/meter';
import { NotFound } from './pages/not-found';
import { SitePage } from './pages/site';
import { Sites } from './pages/sites';
import './styles.css';

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    api.session().then((s) => (s ? login(s) : setSession(null)), () => setSession(null));
  }, []);
  const login = (s: Session) => {
    if (s.language && !localStorage.getItem('kwhub.lang')) setLang(s.language, false);
    setSession(s);
  };
  const logout = async () => {
    await api.logout().catch(() => undefined);
    period.value = null;
    setSession(null);
    location.hash = '#/';
  };
  const r = route.value;
  void lang.value; // every text follows the language
  let page;
  if (r[0] === 'invite' && r[1]) page = <Invite token={r[1]} onLogin={login} />;
  else if (session === undefined) page = <main id="main"><p>{t('loading')}</p></main>;
  else if (session === null) page = <Login onLogin={login} />;
  else if (r.length === 0) page = session.kind === 'operator' ? <Sites /> : <Home session={session} />;
  else if (r[0] === 'sites' && r.length === 2) page = <SitePage key={r[1]} siteId={r[1]} session={session} />;
  else if (r[0] === 'sites' && r.length === 3 && r[2] === 'admin' && session.kind === 'operator') page = <AdminPage siteId={r[1]} />;
  else if (r[0] === 'sites' && r.length === 4 && r[2] === 'meters') page = <MeterPage key={r[3]} siteId={r[1]} meterId={r[3]} session={session} />;
  else page = <NotFound />;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>{t('skip')}</a>
      <header class="top">
        <a class="brand" href={href('/')}>kWhub</a>
        <nav aria-label="main">
          {session && <a href={href('/')}>{session.kind === 'operator' ? t('sites') : t('home')}</a>}
        </nav>
        <label class="lang">
          <span class="sr-only">{t('language')}</span>
          <select value={lang.value} onChange={(e) => setLang((e.target as HTMLSelectElement).value as typeof LANGS[number])} data-testid="lang">
            {LANGS.map((l) => <option value={l}>{l.toUpperCase()}</option>)}
          </select>
        </label>
        {session && <button type="button" class="link" onClick={logout} data-testid="logout">{t('logout')}</button>}
      </header>
      {page}
    </>
  );
}

document.documentElement.lang = lang.value;
render(<App />, document.getElementById('app')!);
