/** Turning a failure to reach or enter a PostgreSQL server into a message an operator can act on. */

/** the URL with its password masked, for messages and logs */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}

function target(url: string): { host: string; port: string; database: string; user: string } {
  try {
    const u = new URL(url);
    const host = u.searchParams.get('host') ?? (u.hostname ? decodeURIComponent(u.hostname) : 'localhost');
    return {
      host,
      port: u.port || u.searchParams.get('port') || '5432',
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || '(default)',
      user: decodeURIComponent(u.username) || '(default)',
    };
  } catch {
    return { host: '?', port: '?', database: '?', user: '?' };
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ENOENT']);

/**
 * An Error explaining why `url` could not be used, or null when `err` is not
 * about connecting (a failing migration, say), to be rethrown as it is.
 */
export function describeConnectError(err: unknown, url: string): Error | null {
  const e = err as { code?: string; message?: string };
  const { host, port, database, user } = target(url);
  const where = `${host}:${port}`;
  const shown = redactUrl(url);
  const timedOut = /timeout/i.test(e.message ?? '');
  if ((e.code !== undefined && UNREACHABLE.has(e.code)) || timedOut) {
    return new Error(
      `cannot reach PostgreSQL at ${where} (${e.code ?? e.message}) for --db ${shown}: ` +
        'is the server running and accepting TCP connections on that host and port (listen_addresses, port, firewall)? ' +
        'Fix the host/port in --db / KWHUB_DB (postgres://user:password@host:port/database) or start the server.',
      { cause: err },
    );
  }
  if (e.code === '28P01' || e.code === '28000') {
    return new Error(
      `PostgreSQL at ${where} refused user "${user}" (${e.message}): check the user and password in --db / KWHUB_DB (${shown}) and pg_hba.conf.`,
      { cause: err },
    );
  }
  if (e.code === '3D000') {
    return new Error(
      `PostgreSQL at ${where} has no database "${database}": create it (createdb ${database}) or name an existing one in --db / KWHUB_DB (${shown}).`,
      { cause: err },
    );
  }
  return null;
}
