//! The languages RoomBridge speaks outside the UI's own files: desktop notifications, the tray
//! menu, the exported files' headers, the messages it sends to organisers of Outlook meetings,
//! and what the app answers the UI in words (errors, connection checks, the doctor's findings),
//! said in the language the window asked in ([`Words`]).
//!
//! The words live in `crates/core/locales/{en,nb}.json`, one flat object per language, compiled
//! in. `{name}` in a message is filled from the arguments; a key with `_one`/`_other` forms is
//! read with [`Lang::plural`]. A test checks that both files hold the same keys with the same
//! placeholders, and that every key the code asks for exists.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// A language RoomBridge speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Lang {
    /// Norwegian bokmål.
    Nb,
    #[default]
    En,
}

const EN: &str = include_str!("../locales/en.json");
const NB: &str = include_str!("../locales/nb.json");

type Catalog = HashMap<String, String>;

fn catalog(lang: Lang) -> &'static Catalog {
    static CATALOGS: OnceLock<[Catalog; 2]> = OnceLock::new();
    let [nb, en] = CATALOGS.get_or_init(|| [parse(NB), parse(EN)]);
    match lang {
        Lang::Nb => nb,
        Lang::En => en,
    }
}

/// The compiled-in catalogs are part of the program: one that does not parse is a build error
/// the tests catch, so failing loudly here is right.
fn parse(text: &str) -> Catalog {
    serde_json::from_str(text).expect("a locale file is a flat JSON object of strings")
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Nb, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "nb" => Some(Lang::Nb),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of a POSIX or BCP 47 locale name (`nb_NO.UTF-8`, `nn-NO`, `en_US`), when
    /// RoomBridge speaks it. Nynorsk and plain `no` read bokmål.
    pub fn of_locale(locale: &str) -> Option<Lang> {
        let base = locale
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match base.as_str() {
            "nb" | "nn" | "no" => Some(Lang::Nb),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The message `key`, with each `{name}` of `args` filled in.
    ///
    /// A key missing from the catalog (a bug the tests catch) shows as the key itself, so a
    /// notification still says something.
    pub fn tr(self, key: &str, args: &[(&str, &dyn Display)]) -> String {
        let message = catalog(self)
            .get(key)
            .or_else(|| catalog(Lang::En).get(key));
        debug_assert!(message.is_some(), "no message {key:?} in the locale files");
        fill(message.map_or(key, String::as_str), args)
    }

    /// `key_one` or `key_other` for `count`, with `{count}` and `args` filled in. Both
    /// languages use the singular for exactly one.
    pub fn plural(self, key: &str, count: i64, args: &[(&str, &dyn Display)]) -> String {
        let form = if count == 1 { "one" } else { "other" };
        let mut all: Vec<(&str, &dyn Display)> = vec![("count", &count)];
        all.extend_from_slice(args);
        self.tr(&format!("{key}_{form}"), &all)
    }

    /// A short weekday and date, as this language writes it ("Mon 3 Mar", "man. 3. mar.").
    pub fn short_date(self, date: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        let weekday = date.weekday().num_days_from_monday();
        let month = date.month0();
        self.tr(
            "date.short",
            &[
                ("weekday", &self.tr(&format!("date.weekday_{weekday}"), &[])),
                ("day", &date.day()),
                ("month", &self.tr(&format!("date.month_{month}"), &[])),
            ],
        )
    }
}

/// A message to be said later, in the language of whoever reads it: a catalog key and its
/// arguments, owned. An error made deep inside the app carries its words up to the edge that
/// knows the reader's language.
///
/// Serialised (`{ key, args, count }`) it is what the history keeps beside its English detail,
/// so that the UI can say a row in the language it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Words {
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    key: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Vec<(String, Arg)>"))]
    args: Vec<(Cow<'static, str>, Arg)>,
    /// `Some(count)`: `key` names a `_one`/`_other` pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    count: Option<i64>,
}

/// An argument of [`Words`]: text as it is (a name, a number, an address), other words said
/// in the same language, or a list of them joined as the language joins lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "WordsArg"))]
pub enum Arg {
    Text(String),
    Words(Words),
    /// A date, said as [`Lang::short_date`] says it.
    Date(#[cfg_attr(feature = "ts", ts(as = "String"))] chrono::NaiveDate),
    /// The items, and the key that joins the last (`list.and`, `list.or`); sentences, one
    /// after the other, when empty.
    List(
        Vec<Words>,
        #[cfg_attr(feature = "ts", ts(as = "String"))] Cow<'static, str>,
    ),
}

impl Words {
    pub fn new(key: &'static str) -> Words {
        Words {
            key: Cow::Borrowed(key),
            args: Vec::new(),
            count: None,
        }
    }

    /// `key_one` or `key_other` for `count` (see [`Lang::plural`]).
    pub fn plural(key: &'static str, count: i64) -> Words {
        Words {
            count: Some(count),
            ..Words::new(key)
        }
    }

    /// With `{name}` filled by `value` as it is.
    pub fn arg(mut self, name: &'static str, value: impl Display) -> Words {
        self.args
            .push((Cow::Borrowed(name), Arg::Text(value.to_string())));
        self
    }

    /// With `{name}` filled by `words`, said in the same language.
    pub fn with(mut self, name: &'static str, words: Words) -> Words {
        self.args.push((Cow::Borrowed(name), Arg::Words(words)));
        self
    }

    /// With `{name}` filled by `date` as the language writes a short date ("Tue 1 Dec").
    pub fn date(mut self, name: &'static str, date: chrono::NaiveDate) -> Words {
        self.args.push((Cow::Borrowed(name), Arg::Date(date)));
        self
    }

    /// With `{name}` filled by `items`, joined with "and" ("A, B and C"; "A, B og C").
    pub fn and_list(mut self, name: &'static str, items: Vec<Words>) -> Words {
        self.args.push((
            Cow::Borrowed(name),
            Arg::List(items, Cow::Borrowed("list.and")),
        ));
        self
    }

    /// With `{name}` filled by `items`, sentences one after the other.
    pub fn sentences(mut self, name: &'static str, items: Vec<Words>) -> Words {
        self.args
            .push((Cow::Borrowed(name), Arg::List(items, Cow::Borrowed(""))));
        self
    }

    /// With `{name}` filled by `items`, joined with "or".
    pub fn or_list(mut self, name: &'static str, items: Vec<Words>) -> Words {
        self.args.push((
            Cow::Borrowed(name),
            Arg::List(items, Cow::Borrowed("list.or")),
        ));
        self
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// The message in `lang`.
    pub fn say(&self, lang: Lang) -> String {
        let said: Vec<(&str, String)> = self
            .args
            .iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::Text(text) => text.clone(),
                    Arg::Words(words) => words.say(lang),
                    Arg::Date(date) => lang.short_date(*date),
                    Arg::List(items, joiner) => {
                        let items: Vec<String> = items.iter().map(|w| w.say(lang)).collect();
                        match items.as_slice() {
                            _ if joiner.is_empty() => items.join(" "),
                            [] => String::new(),
                            [one] => one.clone(),
                            [init @ .., last] => {
                                lang.tr(joiner, &[("init", &init.join(", ")), ("last", last)])
                            }
                        }
                    }
                };
                (name.as_ref(), value)
            })
            .collect();
        let args: Vec<(&str, &dyn Display)> = said
            .iter()
            .map(|(name, value)| (*name, value as &dyn Display))
            .collect();
        match self.count {
            Some(count) => lang.plural(&self.key, count, &args),
            None => lang.tr(&self.key, &args),
        }
    }
}

fn fill(message: &str, args: &[(&str, &dyn Display)]) -> String {
    if args.is_empty() || !message.contains('{') {
        return message.to_owned();
    }
    let mut out = String::with_capacity(message.len() + 16);
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        match args.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => out.push_str(&value.to_string()),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(message: &str) -> BTreeSet<String> {
        message
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_owned()))
            .collect()
    }

    #[test]
    fn both_languages_hold_the_same_keys_and_placeholders() {
        let (en, nb) = (parse(EN), parse(NB));
        let missing_in_nb: Vec<_> = en.keys().filter(|k| !nb.contains_key(*k)).collect();
        let missing_in_en: Vec<_> = nb.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(
            missing_in_nb.is_empty(),
            "missing in nb.json: {missing_in_nb:?}"
        );
        assert!(
            missing_in_en.is_empty(),
            "missing in en.json: {missing_in_en:?}"
        );
        for (key, message) in &en {
            assert!(!message.trim().is_empty(), "en {key} is empty");
            assert!(!nb[key].trim().is_empty(), "nb {key} is empty");
            assert_eq!(
                placeholders(message),
                placeholders(&nb[key]),
                "placeholders of {key}"
            );
        }
    }

    /// Every string literal in the workspace's Rust sources that looks like a key (a
    /// namespace of the catalogs, a dot, then lower-case words) exists in the catalogs, as
    /// itself or as a `_one`/`_other` pair. Keys built at run time (`date.weekday_{n}`) are
    /// checked by the test of the function that builds them.
    #[test]
    fn every_key_the_code_asks_for_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let en = parse(EN);
        let namespaces: BTreeSet<&str> = en
            .keys()
            .filter_map(|k| k.split_once('.'))
            .map(|(ns, _)| ns)
            .collect();
        let mut asked = BTreeSet::new();
        for dir in ["crates", "src-tauri/src"] {
            collect_keys(&root.join(dir), &namespaces, &mut asked);
        }
        assert!(asked.len() > 20, "the scan found only {asked:?}");
        let missing: Vec<_> = asked
            .iter()
            .filter(|key| {
                let whole = en.contains_key(key.as_str());
                let plural = en.contains_key(&format!("{key}_one"))
                    && en.contains_key(&format!("{key}_other"));
                !whole && !plural
            })
            .collect();
        assert!(
            missing.is_empty(),
            "keys asked for but not in the catalogs: {missing:?}"
        );
    }

    fn collect_keys(
        dir: &std::path::Path,
        namespaces: &BTreeSet<&str>,
        out: &mut BTreeSet<String>,
    ) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect_keys(&path, namespaces, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                // Every second piece between double quotes is (roughly) a literal's content.
                for literal in text.split('"').skip(1).step_by(2) {
                    let Some((ns, rest)) = literal.split_once('.') else {
                        continue;
                    };
                    let keyish = !rest.is_empty()
                        && rest
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                    if keyish && namespaces.contains(ns) {
                        out.insert(literal.to_owned());
                    }
                }
            }
        }
    }

    /// The shape the history keeps and the UI reads (`ui/src/i18n/said.ts`).
    #[test]
    fn words_serialise_as_the_ui_reads_them() {
        let words = Words::new("reason.decided")
            .with("kind", Words::new("reason.kind_overlap"))
            .arg("by", "kari")
            .or_list("rights", vec![Words::new("check.right_read")]);
        let json = serde_json::to_value(&words).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "key": "reason.decided",
                "args": [
                    ["kind", {"words": {"key": "reason.kind_overlap"}}],
                    ["by", {"text": "kari"}],
                    ["rights", {"list": [[{"key": "check.right_read"}], "list.or"]}],
                ],
            })
        );
        let back: Words = serde_json::from_value(json).unwrap();
        assert_eq!(back.say(Lang::Nb), words.say(Lang::Nb));
        let counted = serde_json::to_value(Words::plural("reason.create_series", 3)).unwrap();
        assert_eq!(
            counted,
            serde_json::json!({"key": "reason.create_series", "count": 3})
        );
    }

    #[test]
    fn fills_placeholders_and_keeps_unknown_ones_visible() {
        assert_eq!(
            fill("{a} and {b}", &[("a", &1), ("b", &"two")]),
            "1 and two"
        );
        assert_eq!(fill("{a} and {c}", &[("a", &1)]), "1 and {c}");
        assert_eq!(fill("no {brace", &[("a", &1)]), "no {brace");
    }

    #[test]
    fn reads_the_language_of_a_locale() {
        assert_eq!(Lang::of_locale("nb_NO.UTF-8"), Some(Lang::Nb));
        assert_eq!(Lang::of_locale("nn-NO"), Some(Lang::Nb));
        assert_eq!(Lang::of_locale("no"), Some(Lang::Nb));
        assert_eq!(Lang::of_locale("en_GB.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::of_locale("de_DE"), None);
        assert_eq!(Lang::of_locale("C"), None);
    }

    #[test]
    fn writes_short_dates_in_each_language() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(Lang::En.short_date(date), "Mon 2 Mar");
        assert_eq!(Lang::Nb.short_date(date), "man. 2. mars");
        // Every weekday and month has its word in both languages.
        for lang in Lang::ALL {
            for offset in 0..366 {
                let words = lang.short_date(date + chrono::Days::new(offset));
                assert!(!words.contains("date."), "{words}");
            }
        }
    }

    #[test]
    fn picks_the_plural_form() {
        assert_eq!(
            Lang::En.plural("notify.conflicts_waiting", 1, &[]),
            "A conflict waits for your decision"
        );
        assert_eq!(
            Lang::En.plural("notify.conflicts_waiting", 3, &[]),
            "3 conflicts wait for your decision"
        );
        assert_eq!(
            Lang::Nb.plural("notify.conflicts_waiting", 3, &[]),
            "3 konflikter venter på avgjørelsen din"
        );
    }
}
