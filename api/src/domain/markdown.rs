//! Comments and text posts are Markdown (CommonMark), shown as HTML made here: parsed by
//! pulldown-cmark and cleaned by ammonia, so what reaches a page is only the markup DESIGN.md
//! section 12 allows.
//!
//! Two layers, each enough on its own for the dangerous cases: the parser's raw HTML events
//! become text (so `<script>` is shown, never interpreted) and images become their alt text;
//! the sanitiser then keeps only the allowed tags, `href` on links with `http`/`https` only (no
//! `javascript:`, `data:` or relative links, but for the one relative form a mention makes,
//! `/user/{name}`), and gives every link `rel="nofollow ugc noopener noreferrer"`.
//!
//! Mentions (DESIGN.md section 20): `@name` in the text, found among the parser's text events, so
//! never in code spans, code blocks, raw HTML or a link's text; not after a letter, digit, `.`,
//! `/` or `@` (an e-mail address or a URL is no mention). [`mentions`] names them, [`render_with`]
//! makes each that names a known person a link to their page.

use std::{borrow::Cow, collections::HashMap, sync::LazyLock};

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeStream, html};

/// The tags a rendered comment may contain.
const TAGS: [&str; 12] =
    ["p", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "br", "hr"];

/// At most this many people are mentioned by one text: the rest of its `@names` are plain text.
pub const MENTIONS_MAX: usize = 10;

/// Where a mention links: a person's page.
const PROFILE: &str = "/user/";

static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::empty();
    builder
        .tags(TAGS.into())
        .tag_attributes([("a", ["href"].into()), ("ol", ["start"].into())].into())
        .url_schemes(["http", "https"].into())
        .url_relative(UrlRelative::Custom(Box::new(profile_link_only)))
        .link_rel(Some("nofollow ugc noopener noreferrer"))
        .strip_comments(true);
    builder
});

/// Of relative links, only a person's page (`/user/{name}`) is kept: the link a mention makes.
fn profile_link_only(url: &str) -> Option<Cow<'_, str>> {
    let name = url.strip_prefix(PROFILE)?;
    let valid = (3..=30).contains(&name.len()) && name.chars().all(is_name_char);
    valid.then_some(Cow::Borrowed(url))
}

/// The sanitised HTML of Markdown `text`, with no mention made a link.
pub fn render(text: &str) -> String {
    render_with(text, &HashMap::new())
}

/// The sanitised HTML of Markdown `text`: each of its first [`MENTIONS_MAX`] mentions whose name
/// `known` holds (by the name in lower case, giving the name as the person spells it) links to
/// that person's page.
pub fn render_with(text: &str, known: &HashMap<String, String>) -> String {
    let mut unsafe_html = String::with_capacity(text.len() * 3 / 2);
    let mut linked = 0;
    let mut events = Vec::new();
    walk(text, |event| match event {
        Walked::Markup(event) => events.push(event),
        Walked::Text(text) => {
            let mut rest = 0;
            for (start, end) in scan(&text) {
                let name = &text[start + 1..end];
                let Some(person) = known.get(&name.to_ascii_lowercase()) else { continue };
                if linked == MENTIONS_MAX {
                    break;
                }
                linked += 1;
                if start > rest {
                    events.push(Event::Text(CowStr::from(text[rest..start].to_owned())));
                }
                events.push(Event::Start(Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url: CowStr::from(format!("{PROFILE}{person}")),
                    title: CowStr::from(""),
                    id: CowStr::from(""),
                }));
                events.push(Event::Text(CowStr::from(text[start..end].to_owned())));
                events.push(Event::End(TagEnd::Link));
                rest = end;
            }
            if rest < text.len() {
                events.push(Event::Text(CowStr::from(text[rest..].to_owned())));
            }
        }
    });
    html::push_html(&mut unsafe_html, events.into_iter());
    CLEANER.clean(&unsafe_html).to_string()
}

/// The names `text` mentions, each once (ignoring case), in the order first mentioned, at most
/// [`MENTIONS_MAX`].
pub fn mentions(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    walk(text, |event| {
        if let Walked::Text(text) = event {
            for (start, end) in scan(&text) {
                let name = &text[start + 1..end];
                if names.len() < MENTIONS_MAX && !names.iter().any(|seen| seen.eq_ignore_ascii_case(name)) {
                    names.push(name.to_owned());
                }
            }
        }
    });
    names
}

/// An event of the parsed text: markup to render as it is, or plain text, where mentions are.
enum Walked<'a> {
    Markup(Event<'a>),
    Text(CowStr<'a>),
}

/// Parses `text` as plain CommonMark (no tables, footnotes or other extensions the page has no
/// style for) and hands each event on: raw HTML as markup-free text (shown, never interpreted),
/// images as their alt text, the text of code and of links as markup (no mention there).
fn walk<'a>(text: &'a str, mut each: impl FnMut(Walked<'a>)) {
    let (mut in_code, mut in_link) = (0_u32, 0_u32);
    for event in TextMergeStream::new(Parser::new_ext(text, Options::empty())) {
        match event {
            Event::Html(raw) | Event::InlineHtml(raw) => each(Walked::Markup(Event::Text(raw))),
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            Event::Text(text) if in_code == 0 && in_link == 0 => each(Walked::Text(text)),
            event => {
                match &event {
                    Event::Start(Tag::CodeBlock(_)) => in_code += 1,
                    Event::End(TagEnd::CodeBlock) => in_code = in_code.saturating_sub(1),
                    Event::Start(Tag::Link { .. }) => in_link += 1,
                    Event::End(TagEnd::Link) => in_link = in_link.saturating_sub(1),
                    _ => {}
                }
                each(Walked::Markup(event));
            }
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Where each `@name` is in `text`: the byte range from its `@` to the end of its name (3 to 30
/// characters of a username's), not after a letter, digit, `_`, `-`, `.`, `/` or `@`.
fn scan(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut before: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let free = before.is_none_or(|b| !(is_name_char(b) || matches!(b, '.' | '/' | '@')));
        before = Some(c);
        if c != '@' || !free {
            continue;
        }
        let start = at + 1;
        let mut end = start;
        while let Some(&(i, next)) = chars.peek()
            && is_name_char(next)
        {
            end = i + next.len_utf8();
            before = Some(next);
            chars.next();
        }
        if (3..=30).contains(&(end - start)) {
            found.push((at, end));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{mentions, render, render_with};

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

    fn people(names: &[&str]) -> HashMap<String, String> {
        names.iter().map(|name| (name.to_ascii_lowercase(), (*name).to_owned())).collect()
    }

    #[test]
    fn mentions_are_found_in_text_but_not_in_code_links_or_addresses() {
        assert_eq!(mentions("hi @Alice and @bob, and @ALICE again"), ["Alice", "bob"]);
        assert_eq!(mentions("`@code` and\n\n```\n@block\n```\n\n    @indented"), Vec::<String>::new());
        assert_eq!(
            mentions("[@linked](https://example.com) mail a@bob.com see /@carol x.@dave"),
            Vec::<String>::new()
        );
        assert_eq!(mentions("@ab is too short, @this_name-is-ok_1 (@end)"), ["this_name-is-ok_1", "end"]);
        assert_eq!(mentions(&format!("@{} @okay", "x".repeat(31))), ["okay"]);
        assert_eq!(mentions("**@strong** _@emma_ > @quoted"), ["strong", "emma", "quoted"]);
        assert_eq!(mentions("<div>\n@html\n</div>"), Vec::<String>::new());
        let many: String = (0..15).map(|n| format!("@user{n} ")).collect();
        assert_eq!(mentions(&many).len(), super::MENTIONS_MAX);
    }

    #[test]
    fn a_mention_of_a_known_person_links_to_their_page() {
        assert_eq!(
            render_with("thanks @alice and @nobody", &people(&["Alice"])),
            "<p>thanks <a href=\"/user/Alice\" rel=\"nofollow ugc noopener noreferrer\">@alice</a> and @nobody</p>\n"
        );
        assert_eq!(render_with("`@alice`", &people(&["alice"])), "<p><code>@alice</code></p>\n");
        assert_eq!(render("hi @alice"), "<p>hi @alice</p>\n");
        // Only a person's page survives of relative links, whoever writes it.
        assert!(render("[x](/user/bob)").contains("href=\"/user/bob\""));
        for source in
            ["[x](/user/bob/../admin)", "[x](/user/)", "[x](/admin)", "[x](//evil.example/user/bob)"]
        {
            assert!(!render(source).contains("href"), "{source}");
        }
    }
}
