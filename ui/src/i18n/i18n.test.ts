import { afterEach, describe, expect, it } from 'vitest';
import { en, nb } from './catalogs';
import { fill, setLang, systemLang, t, tn } from './index.svelte';

type Messages = Record<string, string>;
const namespaces = (c: typeof en) => c as unknown as Record<string, Messages>;
const placeholders = (m: string) => [...m.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();

describe('the translations', () => {
  const english = namespaces(en);
  const norwegian = namespaces(nb);

  it('have the same namespaces and keys in bokmål and English', () => {
    expect(Object.keys(norwegian).sort()).toEqual(Object.keys(english).sort());
    for (const ns of Object.keys(english)) {
      const missingInNb = Object.keys(english[ns]!).filter((k) => !(k in norwegian[ns]!));
      const missingInEn = Object.keys(norwegian[ns]!).filter((k) => !(k in english[ns]!));
      expect(missingInNb, `keys of ${ns} missing in nb`).toEqual([]);
      expect(missingInEn, `keys of ${ns} missing in en`).toEqual([]);
    }
  });

  it('take the same placeholders in both languages, and none is empty', () => {
    for (const [ns, messages] of Object.entries(english)) {
      for (const [key, message] of Object.entries(messages)) {
        const other = norwegian[ns]![key] ?? '';
        expect(message.trim(), `en ${ns}.${key}`).not.toBe('');
        expect(other.trim(), `nb ${ns}.${key}`).not.toBe('');
        expect(placeholders(other), `placeholders of ${ns}.${key}`).toEqual(placeholders(message));
      }
    }
  });

  it('come as whole plural pairs', () => {
    for (const [ns, messages] of Object.entries(english)) {
      for (const key of Object.keys(messages)) {
        if (key.endsWith('_one')) expect(messages, `${ns}.${key}`).toHaveProperty(key.replace(/_one$/, '_other'));
      }
    }
  });
});

describe('t and tn', () => {
  afterEach(() => setLang('en'));

  it('speak the chosen language and fill placeholders', () => {
    setLang('en');
    expect(t('common.never')).toBe('Never');
    setLang('nb');
    expect(t('common.never')).toBe('Aldri');
  });

  it('pick the plural form of the language', () => {
    setLang('nb');
    expect(tn('common.rooms', 1)).toBe('1 rom');
    expect(tn('common.rooms', 2)).toBe('2 rom');
    setLang('en');
    expect(tn('common.rooms', 1)).toBe('1 room');
    expect(tn('common.rooms', 1200)).toBe('1,200 rooms');
  });

  it('leaves an unknown placeholder visible rather than empty', () => {
    expect(fill('Hello {name}', {})).toBe('Hello {name}');
  });

  it("follows the system's first language it speaks", () => {
    expect(systemLang(['nn-NO', 'en-US'])).toBe('nb');
    expect(systemLang(['no'])).toBe('nb');
    expect(systemLang(['de-DE', 'en-US', 'nb'])).toBe('en');
    expect(systemLang(['de-DE'])).toBe('en');
    expect(systemLang([])).toBe('en');
  });
});
