//! Text as PorticoEstate changes it on the way in and out: its sanitiser escapes a few SQL-ish
//! characters as entities and then applies `htmlspecialchars` (so those entities are escaped
//! once more); descriptions go through an HTML purifier; the schedule decodes entities once.

/// A plain text field as stored: trimmed, `; ( ) = --` as numeric entities, then HTML special
/// characters escaped (double encoding included).
pub fn escape(value: &str) -> String {
    let mut pre = String::new();
    let mut chars = value.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ';' => pre.push_str("&#59;"),
            '(' => pre.push_str("&#40;"),
            ')' => pre.push_str("&#41;"),
            '=' => pre.push_str("&#61;"),
            '-' if chars.peek() == Some(&'-') => {
                chars.next();
                pre.push_str("&#8722;&#8722;");
            }
            other => pre.push(other),
        }
    }
    let mut out = String::with_capacity(pre.len());
    for c in pre.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            other => out.push(other),
        }
    }
    out
}

/// Tags the purifier keeps in a description.
const KEPT_TAGS: &[&str] = &[
    "p", "b", "i", "u", "strong", "em", "ul", "ol", "li", "br", "span", "div", "img",
];

/// A description as stored: tags other than [`KEPT_TAGS`] removed (their text kept), a bare
/// `&` escaped.
pub fn purify(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        out.push_str(&amp(&rest[..start]));
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&amp(&rest[start..]).replace('<', "&lt;"));
            return out;
        };
        let tag = &rest[start..start + end + 1];
        let name: String = tag
            .trim_start_matches('<')
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if KEPT_TAGS.contains(&name.as_str()) {
            out.push_str(tag);
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(&amp(rest));
    out
}

fn amp(text: &str) -> String {
    text.replace('&', "&amp;")
}

/// Entities decoded once (`&amp;#59;` becomes `&#59;`, not `;`), as PHP's
/// `html_entity_decode` does.
pub fn decode(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &after[1..];
            continue;
        };
        let entity = &after[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "#039" | "apos" => Some('\''),
            _ => entity
                .strip_prefix('#')
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether PHP's e-mail filter would keep `value` (a rough check: one `@`, a dot after it, no
/// spaces); PorticoEstate silently stores an empty string otherwise.
pub fn is_email(value: &str) -> bool {
    let mut parts = value.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.contains(char::is_whitespace)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_is_double_and_decoding_undoes_one_layer() {
        let stored = escape(" Quiz (final); a=b -- ok ");
        assert_eq!(
            stored,
            "Quiz &amp;#40;final&amp;#41;&amp;#59; a&amp;#61;b &amp;#8722;&amp;#8722; ok"
        );
        assert_eq!(
            decode(&stored),
            "Quiz &#40;final&#41;&#59; a&#61;b &#8722;&#8722; ok"
        );
        assert_eq!(escape("Kari's <b>"), "Kari&#039;s &lt;b&gt;");
        assert_eq!(decode("Kari&#039;s &lt;b&gt;"), "Kari's <b>");
    }

    #[test]
    fn the_purifier_keeps_allowed_tags_and_escapes_ampersands() {
        assert_eq!(
            purify("<p>Rock & roll</p><script>x()</script> [rb:1]"),
            "<p>Rock &amp; roll</p>x() [rb:1]"
        );
    }

    #[test]
    fn emails_are_kept_only_when_well_formed() {
        assert!(is_email("kari@nordvik.kommune.example"));
        assert!(!is_email("kari at home"));
        assert!(!is_email("kari@localhost"));
    }
}
