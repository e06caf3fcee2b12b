//! When two links are the same story (DESIGN.md section 14), after Lobsters' `Utils.normalize`:
//! the scheme ignored, the host lower-cased without a leading `www.` or a default port, no
//! fragment, no trailing `/`, the query's parameters sorted without `utm_*`; the path and every
//! other parameter kept exactly as they are, so links that only look alike stay apart.

use sha2::{Digest, Sha256};

/// `url`'s normalised form, e.g. `example.com/a/b?x=1&y=2`; `None` for what is not an http(s)
/// URL with a host.
pub fn normalise(url: &str) -> Option<String> {
    let url = url::Url::parse(url.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    // The parser has lower-cased the host, and dropped the scheme's default port.
    let host = url.host_str()?;
    let host = host.strip_prefix("www.").filter(|rest| !rest.is_empty()).unwrap_or(host);
    let mut key = host.to_owned();
    if let Some(port) = url.port() {
        key.push_str(&format!(":{port}"));
    }
    key.push_str(url.path().trim_end_matches('/'));
    let mut parameters: Vec<&str> = url
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|parameter| !parameter.is_empty() && !parameter.starts_with("utm_"))
        .collect();
    parameters.sort_unstable();
    if !parameters.is_empty() {
        key.push('?');
        key.push_str(&parameters.join("&"));
    }
    Some(key)
}

/// The site a link is on, as `posts.site` holds it and `domain:` searches it: the host,
/// lower-cased (internationalised names in their ASCII form), without a leading `www.`; empty
/// for what has no host.
pub fn site(url: &str) -> String {
    let parsed = url::Url::parse(url.trim()).ok();
    let host = parsed.as_ref().and_then(|url| url.host_str()).unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.strip_prefix("www.").filter(|rest| !rest.is_empty()).unwrap_or(host).to_owned()
}

/// `text` as one URL component (a path segment, a query value): everything but RFC 3986's
/// unreserved characters (letters, digits, `-._~`) percent-encoded.
pub fn component(text: &str) -> String {
    const UNRESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(text, UNRESERVED).to_string()
}

/// What `posts.url_key` holds for `url`: the SHA-256 (hex) of its normalised form (of the text
/// as given, for a link that cannot be normalised, which the API never stores).
pub fn key(url: &str) -> String {
    let normalised = normalise(url).unwrap_or_else(|| url.to_owned());
    hex::encode(Sha256::digest(normalised.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        assert_eq!(normalise(a), normalise(b), "{a} and {b} should be one link");
        assert_eq!(key(a), key(b));
    }

    fn apart(a: &str, b: &str) {
        assert_ne!(normalise(a), normalise(b), "{a} and {b} should stay apart");
        assert_ne!(key(a), key(b));
    }

    #[test]
    fn a_site_is_the_host_without_www_in_lower_case() {
        assert_eq!(site("https://WWW.Example.com:8080/a?b#c"), "example.com");
        assert_eq!(site("http://blog.rust-lang.org/"), "blog.rust-lang.org");
        assert_eq!(site("http://www2.example.com/"), "www2.example.com");
        assert_eq!(site("https://Bücher.de/"), "xn--bcher-kva.de");
        assert_eq!(site("https://www./"), "www.");
        assert_eq!(site("not a link"), "");
    }

    #[test]
    fn the_scheme_is_ignored() {
        same("http://example.com/a", "https://example.com/a");
    }

    #[test]
    fn the_host_is_lower_cased_and_loses_www() {
        same("https://WWW.Example.COM/a", "https://example.com/a");
        assert_eq!(normalise("https://www.example.com/a").as_deref(), Some("example.com/a"));
        // Only a leading `www.`, and only a whole label.
        apart("https://www2.example.com/a", "https://example.com/a");
        apart("https://wwwexample.com/a", "https://example.com/a");
    }

    #[test]
    fn a_default_port_is_dropped_and_others_kept() {
        same("https://example.com:443/a", "https://example.com/a");
        same("http://example.com:80/a", "https://example.com/a");
        apart("https://example.com:8443/a", "https://example.com/a");
        apart("https://example.com:8443/a", "https://example.com:8080/a");
    }

    #[test]
    fn the_fragment_and_a_trailing_slash_are_dropped() {
        same("https://example.com/a#section-2", "https://example.com/a");
        same("https://example.com/a/", "https://example.com/a");
        same("https://example.com/", "https://example.com");
    }

    #[test]
    fn parameters_are_sorted_and_utm_ones_dropped() {
        same("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2");
        same("https://example.com/a?utm_source=x&id=7&utm_medium=y", "https://example.com/a?id=7");
        same("https://example.com/a?utm_campaign=z", "https://example.com/a");
        assert_eq!(
            normalise("https://example.com/a?utm_source=x&b=2&a=1").as_deref(),
            Some("example.com/a?a=1&b=2")
        );
    }

    #[test]
    fn different_paths_parameters_and_hosts_stay_apart() {
        apart("https://example.com/a", "https://example.com/b");
        apart("https://example.com/A", "https://example.com/a");
        apart("https://example.com/a/b", "https://example.com/a");
        apart("https://example.com/a?id=1", "https://example.com/a?id=2");
        apart("https://example.com/a?id=1", "https://example.com/a");
        apart("https://example.com/a?ref=hn", "https://example.com/a");
        apart("https://example.com/a", "https://example.org/a");
        apart("https://news.example.com/a", "https://example.com/a");
    }

    #[test]
    fn what_is_not_a_web_link_has_no_normal_form() {
        assert_eq!(normalise("ftp://example.com/a"), None);
        assert_eq!(normalise("not a link"), None);
        assert_eq!(normalise("mailto:someone@example.com"), None);
    }
}
