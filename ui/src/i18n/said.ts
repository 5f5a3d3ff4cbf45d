// What the backend says in words (`Words`: a key of `crates/core/locales`, its arguments,
// nested words and lists), said here in the UI's language. The history keeps its details so,
// beside the English an audit holds, and the screens show them in bokmål or English.
import type { Words, WordsArg } from '../backend/api';
import enCore from '../../../crates/core/locales/en.json';
import nbCore from '../../../crates/core/locales/nb.json';
import { lang, type Lang } from './index.svelte';

const CORE: Record<Lang, Record<string, string>> = { en: enCore, nb: nbCore };

function message(language: Lang, key: string): string {
  return CORE[language][key] ?? CORE.en[key] ?? key;
}

function fillAll(text: string, args: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => args[name] ?? whole);
}

/** A date (`YYYY-MM-DD`) as the backend's `Lang::short_date` writes it: "Tue 1 Dec". */
function shortDate(date: string, language: Lang): string {
  const [y, m, d] = date.split('-').map(Number);
  const day = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
  const weekday = (day.getUTCDay() + 6) % 7;
  return fillAll(message(language, 'date.short'), {
    weekday: message(language, `date.weekday_${weekday}`),
    day: String(day.getUTCDate()),
    month: message(language, `date.month_${day.getUTCMonth()}`),
  });
}

function argument(arg: WordsArg, language: Lang): string {
  if ('text' in arg) return arg.text;
  if ('words' in arg) return say(arg.words, language);
  if ('date' in arg) return shortDate(arg.date, language);
  const [items, joiner] = arg.list;
  const said = items.map((w) => say(w, language));
  if (joiner === '') return said.join(' ');
  if (said.length <= 1) return said[0] ?? '';
  return fillAll(message(language, joiner), { init: said.slice(0, -1).join(', '), last: said[said.length - 1]! });
}

/** `words` in `language` (the UI's by default), as the backend's `Words::say` says them. */
export function say(words: Words, language: Lang = lang()): string {
  const args: Record<string, string> = {};
  for (const [name, arg] of words.args ?? []) args[name] = argument(arg, language);
  let key = words.key;
  if (words.count !== undefined && words.count !== null) {
    args.count = String(words.count);
    key = `${key}_${words.count === 1 ? 'one' : 'other'}`;
  }
  return fillAll(message(language, key), args);
}
