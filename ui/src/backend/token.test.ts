import { describe, expect, it } from 'vitest';
import { TOKEN_STORAGE_KEY, stripToken, takeToken, type TokenEnv } from './token';

function env(href: string, stored: string | null = null) {
  const store = new Map<string, string>();
  if (stored) store.set(TOKEN_STORAGE_KEY, stored);
  const replaced: string[] = [];
  const e: TokenEnv = {
    location: { href },
    storage: {
      getItem: (k) => store.get(k) ?? null,
      setItem: (k, v) => void store.set(k, v),
    },
    history: { state: null, replaceState: (_s, _t, url) => void replaced.push(String(url)) },
  };
  return { e, store, replaced };
}

describe('stripToken', () => {
  it('removes only the token, keeping the path, other parameters and the hash', () => {
    expect(stripToken('http://127.0.0.1:4000/?token=abc')).toBe('http://127.0.0.1:4000/');
    expect(stripToken('http://127.0.0.1:4000/?a=1&token=abc&b=2#/history')).toBe('http://127.0.0.1:4000/?a=1&b=2#/history');
  });

  it('leaves an address without a token alone', () => {
    expect(stripToken('http://127.0.0.1:4000/#/rooms')).toBe('http://127.0.0.1:4000/#/rooms');
  });
});

describe('takeToken', () => {
  it('reads the token from the address, stores it and removes it from the address bar', () => {
    const { e, store, replaced } = env('http://127.0.0.1:4000/?token=s3cret#/rooms');
    expect(takeToken(e)).toBe('s3cret');
    expect(store.get(TOKEN_STORAGE_KEY)).toBe('s3cret');
    expect(replaced).toEqual(['http://127.0.0.1:4000/#/rooms']);
  });

  it('uses the stored token after a reload', () => {
    const { e, replaced } = env('http://127.0.0.1:4000/#/history', 'kept');
    expect(takeToken(e)).toBe('kept');
    expect(replaced).toEqual([]);
  });

  it('prefers a new token in the address over a stored one', () => {
    const { e, store } = env('http://127.0.0.1:4000/?token=new', 'old');
    expect(takeToken(e)).toBe('new');
    expect(store.get(TOKEN_STORAGE_KEY)).toBe('new');
  });

  it('is null with no token anywhere', () => {
    expect(takeToken(env('http://127.0.0.1:4000/').e)).toBeNull();
  });

  it('still works when storage refuses', () => {
    const { e, replaced } = env('http://127.0.0.1:4000/?token=t');
    e.storage.setItem = () => {
      throw new Error('SecurityError');
    };
    expect(takeToken(e)).toBe('t');
    expect(replaced).toHaveLength(1);
  });
});
