//! Comments are Markdown (CommonMark), shown as HTML made here: parsed by pulldown-cmark and
//! cleaned by ammonia, so what reaches a page is only the markup DESIGN.md section 12 allows.
//!
//! Two layers, each enough on its own for the dangerous cases: the parser's raw HTML events
//! become text (so `<script>` is shown, never interpreted) and images become their alt text;
//! the sanitiser then keeps only the allowed tags, `href` on links with `http`/`https` only
//! (no `javascript:`, `data:` or relative links), and gives every link
//! `rel="nofollow ugc noopener noreferrer"`.

use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

/// The tags a rendered comment may contain.
const TAGS: [&str; 12] =
    ["p", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "br", "hr"];

static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::empty();
    builder
        .tags(TAGS.into())
        .tag_attributes([("a", ["href"].into()), ("ol", ["start"].into())].into())
        .url_schemes(["http", "https"].into())
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("nofollow ugc noopener noreferrer"))
        .strip_comments(true);
    builder
});

/// The sanitised HTML of a comment's Markdown `text`.
pub fn render(text: &str) -> String {
    // Plain CommonMark: no tables, footnotes or other extensions the page has no style for.
    let events = Parser::new_ext(text, Options::empty()).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut unsafe_html = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    CLEANER.clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    /// Every tag name in `html`, opening or closing.
    fn tags(html: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            let tag = &rest[start + 1..];
            let end = tag.find(|c: char| c == '>' || c.is_whitespace()).unwrap_or(tag.len());
            found.push(tag[..end].trim_start_matches('/').to_owned());
            rest = &tag[end..];
        }
        found
    }

    fn assert_only_allowed(html: &str) {
        for tag in tags(html) {
            assert!(super::TAGS.contains(&tag.as_str()), "tag {tag:?} in {html:?}");
        }
    }

    #[test]
    fn paragraphs_emphasis_code_quotes_lists_and_links() {
        assert_eq!(
            render("hello *world* and **you**"),
            "<p>hello <em>world</em> and <strong>you</strong></p>\n"
        );
        assert_eq!(render("`x < y`"), "<p><code>x &lt; y</code></p>\n");
        assert_eq!(render("```rust\nfn main() {}\n```"), "<pre><code>fn main() {}\n</code></pre>\n");
        assert_eq!(render("> quoted"), "<blockquote>\n<p>quoted</p>\n</blockquote>\n");
        assert_eq!(render("- a\n- b"), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
        assert_eq!(render("3. c"), "<ol start=\"3\">\n<li>c</li>\n</ol>\n");
        assert_eq!(
            render("[site](https://example.com/a?b=1)"),
            "<p><a href=\"https://example.com/a?b=1\" rel=\"nofollow ugc noopener noreferrer\">site</a></p>\n"
        );
        assert_eq!(
            render("<http://example.com>"),
            "<p><a href=\"http://example.com\" rel=\"nofollow ugc noopener noreferrer\">http://example.com</a></p>\n"
        );
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = render("<script>alert(1)</script>");
        assert_eq!(html, "&lt;script&gt;alert(1)&lt;/script&gt;");
        let html = render("hi <img src=x onerror=alert(1)> <b onclick=x>bold</b>");
        assert_eq!(html, "<p>hi &lt;img src=x onerror=alert(1)&gt; &lt;b onclick=x&gt;bold&lt;/b&gt;</p>\n");
        assert_only_allowed(&render(
            "<div><iframe src=\"https://evil\"></iframe></div>\n\n<style>p{}</style>",
        ));
    }

    #[test]
    fn only_http_and_https_links_survive() {
        for source in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](  javascript:alert(1)  )",
            "[x](java&#x73;cript:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "[x](/relative/path)",
            "[x](//evil.example/)",
            "<javascript:alert(1)>",
        ] {
            let html = render(source);
            assert!(!html.contains("href"), "{source:?} gave {html:?}");
            assert_only_allowed(&html);
        }
    }

    #[test]
    fn images_become_their_alt_text() {
        assert_eq!(render("![a cat](https://example.com/cat.png)"), "<p>a cat</p>\n");
        assert_eq!(render("![x](javascript:alert(1))"), "<p>x</p>\n");
    }

    #[test]
    fn entities_are_decoded_then_escaped_again() {
        assert_eq!(render("&lt;b&gt; &amp; &copy; &#60;i&#62;"), "<p>&lt;b&gt; &amp; © &lt;i&gt;</p>\n");
        assert_eq!(render("5 > 3 & 2 < 4"), "<p>5 &gt; 3 &amp; 2 &lt; 4</p>\n");
    }

    #[test]
    fn headings_and_other_markup_keep_only_their_text() {
        assert_eq!(render("# Title"), "Title\n");
        assert_eq!(render("***nested* emphasis**"), "<p><strong><em>nested</em> emphasis</strong></p>\n");
        assert_eq!(render("a\\\nb"), "<p>a<br>\nb</p>\n");
    }

    #[test]
    fn long_and_deeply_nested_inputs_stay_clean() {
        for source in [
            ">".repeat(2000),
            "*".repeat(2000),
            "[".repeat(1000) + &"](javascript:x)".repeat(60),
            "- ".repeat(1000),
            "<".repeat(2000),
            "`".repeat(2000),
            "*a **b ".repeat(250),
        ] {
            assert_only_allowed(&render(&source));
        }
        let long = "word ".repeat(400);
        assert_eq!(render(&long), format!("<p>{}</p>\n", long.trim_end()));
    }
}
