// The UI's language: Norwegian bokmål or English, the words in `./{nb,en}/*.json` and the
// locale every date, time and number is written in.
//
// `t('rooms.title')` reads one message; `{name}` in a message is filled from `params`.
// `tn('rooms.count', n)` picks `rooms.count_one` or `rooms.count_other` by the language's
// plural rules and fills `{count}`. Both read the current language, so a template that calls
// them is redrawn when the language changes.
import { en, nb } from './catalogs';

export type Lang = 'nb' | 'en';
/** What the facility manager chose in Settings: a language, or the system's. */
export type LangChoice = Lang | 'auto';

export const LANGS: readonly Lang[] = ['nb', 'en'];

/** Each language's name, in itself: what the language menu shows. */
export const LANG_NAMES: Record<Lang, string> = { nb: 'Norsk (bokmål)', en: 'English' };

type Catalog = typeof en;
type Messages = Record<string, string>;
/** `namespace.key` for every message of the English catalog. */
export type Key = { [N in keyof Catalog & string]: `${N}.${keyof Catalog[N] & string}` }[keyof Catalog & string];
/** The keys that come as `_one`/`_other` pairs, named without the suffix. */
export type PluralKey = Key extends infer K ? (K extends `${infer Base}_other` ? Base : never) : never;
export type Params = Record<string, string | number>;

const CATALOGS: Record<Lang, Catalog> = { nb, en };
/** The BCP 47 tag dates and numbers are written with. */
const LOCALE: Record<Lang, string> = { nb: 'nb-NO', en: 'en-GB' };
const STORED = 'roombridge.language';

/** The first of the system's languages RoomBridge speaks; English when none is Norwegian. */
export function systemLang(languages: readonly string[] = browserLanguages()): Lang {
  for (const tag of languages) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    // Nynorsk and plain "no" readers read bokmål; it is the Norwegian RoomBridge speaks.
    if (base === 'nb' || base === 'no' || base === 'nn') return 'nb';
    if (base === 'en') return 'en';
  }
  return 'en';
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

function storedChoice(): LangChoice {
  try {
    const v = globalThis.localStorage?.getItem(STORED);
    return v === 'nb' || v === 'en' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

const current = $state<{ choice: LangChoice; lang: Lang }>({ choice: 'auto', lang: 'en' });
applyChoice(storedChoice());

function applyChoice(choice: LangChoice): void {
  current.choice = choice;
  current.lang = choice === 'auto' ? systemLang() : choice;
  if (typeof document !== 'undefined') document.documentElement.lang = current.lang;
}

/** The language the UI speaks now. */
export function lang(): Lang {
  return current.lang;
}

/** The choice it was set from (`auto`: the system's language). */
export function langChoice(): LangChoice {
  return current.choice;
}

/**
 * Speak `choice` from now on. Remembered in this browser too, so the next start shows the
 * right language before the settings arrive.
 */
export function setLang(choice: LangChoice): void {
  applyChoice(choice);
  try {
    if (choice === 'auto') globalThis.localStorage?.removeItem(STORED);
    else globalThis.localStorage?.setItem(STORED, choice);
  } catch {
    // A browser without storage forgets the choice; the settings still hold it.
  }
}

/** The BCP 47 locale of the current language ("nb-NO", "en-GB"). */
export function locale(): string {
  return LOCALE[current.lang];
}

function lookup(language: Lang, key: string): string | undefined {
  const dot = key.indexOf('.');
  const ns = (CATALOGS[language] as unknown as Record<string, Messages>)[key.slice(0, dot)];
  return ns?.[key.slice(dot + 1)];
}

/** Fills `{name}` placeholders; numbers are written in the language's digits and separators. */
export function fill(message: string, params: Params | undefined, language: Lang = current.lang): string {
  if (!params) return message;
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    return typeof v === 'number' ? numberFormat(language).format(v) : v;
  });
}

/** The message `key` in the current language, with its placeholders filled. */
export function t(key: Key, params?: Params): string {
  const language = current.lang;
  // An unknown key (only possible through a cast) shows itself, never an empty string.
  return fill(lookup(language, key) ?? lookup('en', key) ?? key, params, language);
}

/** The `_one` or `_other` form of `key` for `count`, with `{count}` and `params` filled. */
export function tn(key: PluralKey, count: number, params?: Params): string {
  const language = current.lang;
  const form = pluralRules(language).select(count) === 'one' ? 'one' : 'other';
  const message = lookup(language, `${key}_${form}`) ?? lookup(language, `${key}_other`) ?? key;
  return fill(message, { count, ...params }, language);
}

// Intl objects are costly to make: one per language and set of options.
const cache = new Map<string, unknown>();
function memo<T>(id: string, make: () => T): T {
  let v = cache.get(id) as T | undefined;
  if (v === undefined) {
    v = make();
    cache.set(id, v);
  }
  return v;
}

function pluralRules(language: Lang): Intl.PluralRules {
  return memo(`p:${language}`, () => new Intl.PluralRules(LOCALE[language]));
}

export function numberFormat(language: Lang = current.lang): Intl.NumberFormat {
  return memo(`n:${language}`, () => new Intl.NumberFormat(LOCALE[language]));
}

/** A date/time format in the current language; an unknown `timeZone` falls back to UTC. */
export function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const language = current.lang;
  return memo(`d:${language}:${JSON.stringify(options)}`, () => {
    try {
      return new Intl.DateTimeFormat(LOCALE[language], options);
    } catch {
      return new Intl.DateTimeFormat(LOCALE[language], { ...options, timeZone: 'UTC' });
    }
  });
}

export function relativeFormat(): Intl.RelativeTimeFormat {
  const language = current.lang;
  return memo(`r:${language}`, () => new Intl.RelativeTimeFormat(LOCALE[language], { numeric: 'auto' }));
}

/** "a, b and c" / "a, b og c". */
export function listFormat(items: string[]): string {
  const language = current.lang;
  return memo(`l:${language}`, () => new Intl.ListFormat(LOCALE[language], { type: 'conjunction' })).format(items);
}
