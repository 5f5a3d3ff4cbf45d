//! Prefer.

use super::*;

#[derive(Default)]
pub(super) struct Prefer {
    pub(super) timezone: Option<String>,
    pub(super) max_page_size: Option<usize>,
    pub(super) text_body: bool,
    pub(super) immutable_id: bool,
}

impl Prefer {
    pub(super) fn read(headers: &HeaderMap) -> Prefer {
        let mut p = Prefer::default();
        for value in headers.get_all("prefer") {
            let Ok(value) = value.to_str() else { continue };
            for part in split_outside_quotes(value) {
                let (key, val) = match part.split_once('=') {
                    Some((k, v)) => (k.trim(), v.trim().trim_matches('"')),
                    None => (part.trim(), ""),
                };
                match key.to_ascii_lowercase().as_str() {
                    "outlook.timezone" => p.timezone = Some(val.to_owned()),
                    "odata.maxpagesize" => p.max_page_size = val.parse().ok().filter(|n| *n > 0),
                    "outlook.body-content-type" => p.text_body = val.eq_ignore_ascii_case("text"),
                    "idtype" => p.immutable_id = val.eq_ignore_ascii_case("ImmutableId"),
                    _ => {}
                }
            }
        }
        p
    }

    /// The zone to render in, if the client asked for one Graph knows.
    pub(super) fn zone(&self) -> Option<&str> {
        self.timezone
            .as_deref()
            .filter(|z| zones::resolve(z).is_some())
    }

    /// `Preference-Applied` for what this request honoured.
    pub(super) fn applied(&self, page_size: bool) -> Option<HeaderValue> {
        let mut parts = Vec::new();
        if let Some(z) = self.zone() {
            parts.push(format!("outlook.timezone=\"{z}\""));
        }
        if self.text_body {
            parts.push("outlook.body-content-type=\"text\"".to_owned());
        }
        if self.immutable_id {
            parts.push("IdType=\"ImmutableId\"".to_owned());
        }
        if page_size && let Some(n) = self.max_page_size {
            parts.push(format!("odata.maxpagesize={n}"));
        }
        if parts.is_empty() {
            None
        } else {
            HeaderValue::from_str(&parts.join(", ")).ok()
        }
    }
}

pub(super) fn split_outside_quotes(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

pub(super) fn with_applied(mut response: Response, prefer: &Prefer, page_size: bool) -> Response {
    if let Some(v) = prefer.applied(page_size) {
        response.headers_mut().insert("preference-applied", v);
    }
    response
}

/// The extended property ids asked for by
/// `$expand=singleValueExtendedProperties($filter=id eq '...')` (lower case).
pub(super) fn expanded_ids(
    query: &HashMap<String, String>,
) -> Result<Option<Vec<String>>, GraphError> {
    let Some(expand) = query.get("$expand") else {
        return Ok(None);
    };
    let rest = expand
        .trim()
        .strip_prefix("singleValueExtendedProperties")
        .ok_or_else(|| {
            GraphError::bad_request(format!(
                "Could not find a property named '{expand}' on type 'microsoft.graph.event'."
            ))
        })?
        .trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| {
            GraphError::bad_request(
                "$expand of singleValueExtendedProperties needs a $filter on id.",
            )
        })?;
    let filter = inner.trim().strip_prefix("$filter=").ok_or_else(|| {
        GraphError::bad_request("$expand of singleValueExtendedProperties needs a $filter on id.")
    })?;
    let mut ids = Vec::new();
    for clause in filter.split(" or ") {
        let id = clause
            .trim()
            .strip_prefix("id eq '")
            .and_then(|r| r.strip_suffix('\''))
            .ok_or_else(|| GraphError::bad_request(format!("Invalid filter clause: {clause}")))?;
        schema::check_extended_property_id(id)?;
        ids.push(id.to_lowercase());
    }
    Ok(Some(ids))
}
