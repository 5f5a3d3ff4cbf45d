//! Mutations of sample bodies: byte-level (bit flips, insertions, deletions, splices) and
//! JSON-aware (a value anywhere in the tree replaced, removed, duplicated or retyped, keys
//! added), with a dictionary of values the parsers treat specially: extreme dates, zone names,
//! numbers at the edges of their types, markup the body reader strips.
//!
//! Without coverage feedback the dictionary is what brings inputs near the edges; every entry
//! is here because some reader in RoomBridge branches or converts on something like it.

use serde_json::{Map, Number, Value};

use crate::rng::Rng;

/// Strings the readers convert or compare: dates and times at and beyond chrono's range, in
/// DST gaps and folds, zone names of every kind, event kinds, markup, Retry-After forms.
pub const STRINGS: &[&str] = &[
    "",
    " ",
    "2026-03-10T09:00:00",
    "2026-03-10T09:00:00.0000000",
    "2026-03-29T02:30:00",
    "2026-10-25T02:30:00",
    "2026-03-08T02:30:00",
    "2026-02-30T00:00:00",
    "9999-12-31T23:59:59.9999999",
    "0000-01-01T00:00:00",
    "+262142-12-31T23:59:59",
    "-262143-01-01T00:00:00",
    "+262143-12-31T23:30:00",
    "-262144-01-01T00:00:00",
    "2026-03-10T09:00:00Z",
    "2026-03-10T09:00:00+14:00",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "2026-03-10",
    "2026-3-4",
    "9999-12-31",
    "0000-01-01",
    "W. Europe Standard Time",
    "Pacific Standard Time",
    "Dateline Standard Time",
    "Line Islands Standard Time",
    "UTC",
    "UTC-11",
    "tzone://Microsoft/Utc",
    "tzone://Microsoft/Custom",
    "Customized Time Zone",
    "Europe/Oslo",
    "America/New_York",
    "America/Los_Angeles",
    "Pacific/Kiritimati",
    "Pacific/Apia",
    "Etc/GMT+12",
    "Etc/GMT-14",
    "Asia/Choibalsan",
    "Not/AZone",
    "occurrence",
    "exception",
    "seriesMaster",
    "singleInstance",
    "html",
    "text",
    "<html><head><style>x</style></head><body>a<br>b</body></html>",
    "</head><head",
    "<br",
    "&amp;&lt;&nbsp;&#39;",
    "Organisation: Kulturhuset\n\nrest",
    "Organisation: ",
    "\r\n",
    "\u{0}",
    "é",
    "💥",
    "\u{FEFF}",
    "W/\"abc\"",
    "\"",
    "AADSTS7000215: Invalid client secret provided. Trace ID: 1",
    "AADSTS",
    "AADSTS9999999999999999999999",
    " Trace ID:",
    "invalid_client",
    "temporarily_unavailable",
    "syncStateNotFound",
    "ErrorInvalidUser",
    "ErrorIrresolvableConflict",
    "Wed, 21 Oct 2015 07:28:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 +0000",
    "Sat, 01 Jan 0000 00:00:00 -2359",
    "2.128",
    "1e20",
    "1e308",
    "18446744073709551616",
    "-1",
    "-0",
    "NaN",
    "inf",
    "0.000000001",
    "allocation",
    "booking",
    "event",
    "closure",
    "active",
    "cancelled",
    "FREQ=WEEKLY;BYDAY=MO,-1FR;COUNT=3",
    "FREQ=DAILY;UNTIL=20261231T000000Z",
    "FREQ=MONTHLY;BYDAY=éé",
    "c1.000000000000",
    "c1.ffffffffffffffff",
];

/// Numbers at the edges of the integer and float types the readers use.
pub const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "255",
    "65535",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "1e20",
    "1.7976931348623157e308",
    "-1e308",
    "0.5",
    "3599.999",
];

/// Keys the readers look for, across Graph and the booking contract.
pub const KEYS: &[&str] = &[
    "id",
    "type",
    "seriesMasterId",
    "originalStart",
    "originalStartTimeZone",
    "start",
    "end",
    "dateTime",
    "timeZone",
    "isAllDay",
    "subject",
    "body",
    "content",
    "contentType",
    "organizer",
    "emailAddress",
    "name",
    "address",
    "changeKey",
    "@odata.etag",
    "@odata.nextLink",
    "@odata.deltaLink",
    "@removed",
    "value",
    "singleValueExtendedProperties",
    "lastModifiedDateTime",
    "isOrganizer",
    "attendees",
    "displayName",
    "error",
    "code",
    "message",
    "access_token",
    "token_type",
    "expires_in",
    "error_description",
    "items",
    "next_cursor",
    "has_more",
    "resource_id",
    "level",
    "parent_id",
    "title",
    "organisation",
    "description",
    "all_day",
    "time_zone",
    "recurrence",
    "rrule",
    "exdates",
    "status",
    "version",
    "updated_at",
    "external_ref",
    "source",
    "note",
    "count",
    "retry_after",
    "detail",
    "errors",
    "field",
];

/// An interesting JSON value: a dictionary string or number, or a value of another shape.
pub fn interesting_value(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0..=3 => Value::String((*rng.pick(STRINGS)).to_owned()),
        4 | 5 => rng
            .pick(NUMBERS)
            .parse::<Number>()
            .map(Value::Number)
            .unwrap_or(Value::Null),
        6 => Value::Bool(rng.one_in(2)),
        7 => Value::Null,
        8 => Value::Array(Vec::new()),
        _ => Value::Object(Map::new()),
    }
}

/// Applies one to `max` byte-level mutations to `data`; `others` are samples to splice from.
pub fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>], max: usize) {
    for _ in 0..1 + rng.below(max.max(1)) {
        mutate_bytes_once(rng, data, others);
    }
}

fn mutate_bytes_once(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>]) {
    let len = data.len();
    match rng.below(10) {
        0 if len > 0 => {
            let at = rng.below(len);
            data[at] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let at = rng.below(len);
            data[at] = *rng.pick(b"\"{}[],:0123456789-+.eE\\ \x00\xff\xc3\xa9n");
        }
        2 if len > 0 => {
            // Delete a range, short more often than long.
            let at = rng.below(len);
            let longest = if rng.one_in(4) { 256 } else { 8 };
            let n = 1 + rng.below((len - at).min(longest));
            data.drain(at..at + n);
        }
        3 => {
            let at = rng.below(len + 1);
            let token = if rng.one_in(2) {
                rng.pick(STRINGS).as_bytes()
            } else {
                rng.pick(NUMBERS).as_bytes()
            };
            data.splice(at..at, token.iter().copied());
        }
        4 if len > 0 => {
            // Repeat a range in place.
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(64));
            let copy = data[at..at + n].to_vec();
            data.splice(at..at, copy);
        }
        5 if !others.is_empty() => {
            // Splice: this sample's head with another's tail.
            let other = rng.pick(others);
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        6 if len > 0 => {
            data.truncate(rng.below(len));
        }
        7 => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.byte()).collect();
            data.splice(at..at, bytes);
        }
        8 if len > 0 => {
            // Change a digit: dates, versions and numbers move to neighbours and extremes.
            let digits: Vec<usize> = (0..len).filter(|i| data[*i].is_ascii_digit()).collect();
            if !digits.is_empty() {
                let at = *rng.pick(&digits);
                data[at] = b'0' + rng.below(10) as u8;
            }
        }
        _ => {
            let at = rng.below(len + 1);
            data.insert(at, rng.byte());
        }
    }
}

/// Applies one to `max` structure-aware mutations to `value`; `donors` are other samples whose
/// subtrees can be grafted in.
pub fn mutate_json(rng: &mut Rng, value: &mut Value, donors: &[Value], max: usize) {
    for _ in 0..1 + rng.below(max.max(1)) {
        let count = count_nodes(value);
        let target = rng.below(count);
        let mut seen = 0;
        mutate_node(rng, value, target, &mut seen, donors);
    }
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// Walks the tree in pre-order to node number `target` and mutates it. Returns whether it was
/// reached.
fn mutate_node(
    rng: &mut Rng,
    value: &mut Value,
    target: usize,
    seen: &mut usize,
    donors: &[Value],
) -> bool {
    if *seen == target {
        mutate_here(rng, value, donors);
        return true;
    }
    *seen += 1;
    match value {
        Value::Array(items) => items
            .iter_mut()
            .any(|item| mutate_node(rng, item, target, seen, donors)),
        Value::Object(map) => map
            .values_mut()
            .any(|item| mutate_node(rng, item, target, seen, donors)),
        _ => false,
    }
}

fn mutate_here(rng: &mut Rng, value: &mut Value, donors: &[Value]) {
    match rng.below(8) {
        0 | 1 => *value = interesting_value(rng),
        2 => match value {
            // Remove a key or an element.
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(rng.below(map.len())).cloned();
                if let Some(key) = key {
                    map.remove(&key);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                items.remove(rng.below(items.len()));
            }
            _ => *value = Value::Null,
        },
        3 => match value {
            // Add a key the readers look for, or grow an array by a copy of one element.
            Value::Object(map) => {
                map.insert((*rng.pick(KEYS)).to_owned(), interesting_value(rng));
            }
            Value::Array(items) if !items.is_empty() => {
                let copy = items[rng.below(items.len())].clone();
                items.insert(rng.below(items.len() + 1), copy);
            }
            _ => *value = Value::Array(vec![value.take()]),
        },
        4 => {
            if let Value::String(s) = value {
                mutate_string(rng, s);
            } else {
                *value = Value::String(value.to_string());
            }
        }
        5 if !donors.is_empty() => {
            // Graft a random subtree of another sample.
            let donor = rng.pick(donors);
            let n = count_nodes(donor);
            if let Some(sub) = nth_node(donor, rng.below(n)) {
                *value = sub.clone();
            }
        }
        6 => {
            // Nest: the value inside an object or array, as a confused server might.
            *value = if rng.one_in(2) {
                Value::Array(vec![value.take()])
            } else {
                let mut map = Map::new();
                map.insert((*rng.pick(KEYS)).to_owned(), value.take());
                Value::Object(map)
            };
        }
        _ => {
            if let Value::Number(n) = value {
                *value = Value::String(n.to_string());
            } else if let Value::String(s) = value {
                mutate_string(rng, s);
            } else {
                *value = interesting_value(rng);
            }
        }
    }
}

fn nth_node(value: &Value, n: usize) -> Option<&Value> {
    fn walk<'a>(value: &'a Value, n: usize, seen: &mut usize) -> Option<&'a Value> {
        if *seen == n {
            return Some(value);
        }
        *seen += 1;
        match value {
            Value::Array(items) => items.iter().find_map(|v| walk(v, n, seen)),
            Value::Object(map) => map.values().find_map(|v| walk(v, n, seen)),
            _ => None,
        }
    }
    walk(value, n, &mut 0)
}

/// Mutates a string by characters (never splitting one), so it stays valid UTF-8.
pub fn mutate_string(rng: &mut Rng, s: &mut String) {
    let mut chars: Vec<char> = s.chars().collect();
    let len = chars.len();
    match rng.below(6) {
        0 => *s = (*rng.pick(STRINGS)).to_owned(),
        1 if len > 0 => {
            let at = rng.below(len);
            chars.truncate(at);
            *s = chars.into_iter().collect();
        }
        2 => {
            let at = rng.below(len + 1);
            let token: Vec<char> = rng.pick(STRINGS).chars().collect();
            chars.splice(at..at, token);
            *s = chars.into_iter().collect();
        }
        3 if len > 0 => {
            // A digit to another digit or sign: dates and versions move.
            let at = rng.below(len);
            chars[at] = *rng.pick(&['0', '1', '2', '9', '-', '+', ':', 'T', 'Z', ' ']);
            *s = chars.into_iter().collect();
        }
        4 => {
            // Long: sizes and truncation.
            let longest = if rng.one_in(8) { 70_000 } else { 300 };
            let n = 1 + rng.below(longest);
            s.push_str(&"é".repeat(n));
        }
        _ => {
            let at = rng.below(len + 1);
            chars.insert(
                at,
                *rng.pick(&['"', '\\', '\u{0}', '\n', '<', '>', '&', 'é', '💥', ' ']),
            );
            *s = chars.into_iter().collect();
        }
    }
}

/// A `Retry-After` header's value as an odd server might send it: a known string, sometimes
/// mutated as text, sometimes as bytes.
pub fn header_value(rng: &mut Rng) -> String {
    let mut value = (*rng.pick(STRINGS)).to_owned();
    if rng.one_in(2) {
        mutate_string(rng, &mut value);
    }
    if rng.one_in(4) {
        let mut bytes = value.into_bytes();
        mutate_bytes(rng, &mut bytes, &[], 2);
        value = String::from_utf8_lossy(&bytes).into_owned();
    }
    value
}

/// One input from `samples`: a sample mutated, mostly for the reader it is for and one time in
/// eight for another of `kinds` (as a confused server might answer).
pub fn pick_and_mutate<K: Copy>(
    rng: &mut Rng,
    samples: &[(K, Value)],
    kinds: &[K],
    donors: &[Value],
    raw_samples: &[Vec<u8>],
) -> (K, Vec<u8>) {
    let (kind, sample) = rng.pick(samples);
    let kind = if rng.one_in(8) {
        *rng.pick(kinds)
    } else {
        *kind
    };
    (kind, mutate_sample(rng, sample, donors, raw_samples))
}

/// A sample mutated into one input: JSON-aware mutations on the parsed sample (most of the
/// time), then byte-level ones (sometimes), so inputs are mostly well-formed JSON with odd
/// content and sometimes broken JSON.
pub fn mutate_sample(
    rng: &mut Rng,
    sample: &Value,
    donors: &[Value],
    raw_samples: &[Vec<u8>],
) -> Vec<u8> {
    let mut bytes = if rng.one_in(8) {
        // Byte mutations alone, on the sample as it was written.
        sample.to_string().into_bytes()
    } else {
        let mut value = sample.clone();
        mutate_json(rng, &mut value, donors, 6);
        if rng.one_in(2) {
            value.to_string().into_bytes()
        } else {
            serde_json::to_vec_pretty(&value).unwrap_or_default()
        }
    };
    if rng.one_in(3) {
        mutate_bytes(rng, &mut bytes, raw_samples, 4);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_mutations_reach_every_node_and_keep_text_valid() {
        let sample: Value = serde_json::json!({"a": [1, {"b": "2026-03-10"}], "c": null});
        let mut rng = Rng::new(7);
        let mut changed = 0;
        for _ in 0..2_000 {
            let bytes = mutate_sample(&mut rng, &sample, std::slice::from_ref(&sample), &[]);
            if bytes != sample.to_string().into_bytes() {
                changed += 1;
            }
        }
        assert!(changed > 1_500, "only {changed} of 2000 inputs differ");
    }
}
