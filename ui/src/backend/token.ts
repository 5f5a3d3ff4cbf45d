// The headless server prints `http://127.0.0.1:PORT/?token=TOKEN`. The token is read once from
// the address, kept in sessionStorage (so a reload in the same tab keeps working) and removed from
// the address bar so it does not end up in screenshots, bookmarks or shared links.

export const TOKEN_STORAGE_KEY = 'roombridge.token';

/** The address without its `token` query parameter; everything else (path, other params, hash) kept. */
export function stripToken(href: string): string {
  const url = new URL(href);
  if (!url.searchParams.has('token')) return href;
  url.searchParams.delete('token');
  return url.toString();
}

export interface TokenEnv {
  location: { href: string };
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  history: Pick<History, 'replaceState' | 'state'>;
}

/**
 * Returns the session token, preferring one in the address over a stored one, and removes it
 * from the address. Null when there is neither.
 */
export function takeToken(env: TokenEnv): string | null {
  const url = new URL(env.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      env.storage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    } catch {
      // Storage can be disabled; the token still works for this page load.
    }
    env.history.replaceState(env.history.state, '', stripToken(env.location.href));
    return fromUrl;
  }
  try {
    return env.storage.getItem(TOKEN_STORAGE_KEY) || null;
  } catch {
    return null;
  }
}
