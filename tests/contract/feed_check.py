"""Read the Atom feeds of a live server with feedparser, the standard Python feed parser.

Usage: python feed_check.py BASE_URL   (BASE_URL like http://127.0.0.1:PORT)

Run after the fuzzing, so the feeds hold whatever titles and names schemathesis made up: every
feed must still be well-formed Atom 1.0 (feedparser's `bozo` flag unset) with every field a
reader shows. Then one post of ours, with markup, quotes, several scripts and a control
character in its title, is followed through the new, hot and personal feeds.
"""

from __future__ import annotations

import sys
import uuid

import feedparser
import httpx


def check(condition: bool, what: str) -> None:
    if not condition:
        print(f"feed check FAILED: {what}")
        sys.exit(1)


def read(client: httpx.Client, base: str, path: str) -> feedparser.FeedParserDict:
    resp = client.get(base + path)
    check(resp.status_code == 200, f"{path} answered {resp.status_code}")
    content_type = resp.headers.get("content-type", "")
    check(content_type.startswith("application/atom+xml"), f"{path} is {content_type!r}")
    feed = feedparser.parse(resp.content, response_headers={"content-type": content_type})
    check(not feed.bozo, f"{path} is not well-formed: {feed.get('bozo_exception')!r}")
    check(feed.version == "atom10", f"{path} is {feed.version!r}, not Atom 1.0")
    check(bool(feed.feed.get("title")) and feed.feed.get("updated_parsed") is not None, f"{path} lacks title or updated")
    self_links = [link.href for link in feed.feed.get("links", []) if link.rel == "self"]
    check(self_links == [base + path], f"{path} self link is {self_links}")
    check(len(feed.entries) <= 30, f"{path} has {len(feed.entries)} entries")
    for entry in feed.entries:
        check(entry.get("id", "").startswith(base + "/post/"), f"{path}: entry id {entry.get('id')!r}")
        check(entry.get("link", "").startswith(base + "/post/"), f"{path}: entry link {entry.get('link')!r}")
        check("title" in entry, f"{path}: an entry without a title")
        check(bool(entry.get("author")), f"{path}: an entry without an author")
        check(entry.get("published_parsed") is not None and entry.get("updated_parsed") is not None, f"{path}: dates")
        check(" point" in entry.get("summary", "") and " comment" in entry.get("summary", ""), f"{path}: summary")
        related = [link.href for link in entry.get("links", []) if link.rel == "related"]
        # A link post's story link; a text post has none (its text is on its page).
        check(len(related) <= 1 and all(href.startswith("http") for href in related), f"{path}: the story link {related}")
    return feed


def main() -> None:
    base = sys.argv[1].rstrip("/")
    api = base + "/api"
    client = httpx.Client(timeout=30)

    # The fuzzed data first, as it is.
    total = client.get(api + "/posts").json()["total"]
    new = read(client, base, "/feeds/new.atom")
    check(len(new.entries) == min(30, total), f"new feed has {len(new.entries)} of {total} posts")
    read(client, base, "/feeds/hot.atom")

    name = "feed_" + uuid.uuid4().hex[:10]
    resp = client.post(api + "/users", json={"username": name, "email": f"{name}@example.com", "password": "feed-check-password-1"})
    check(resp.status_code == 201, f"sign-up answered {resp.status_code}")
    title = 'Feeds & <b>tags</b> "quoted" — ünïcödé 日本語 Привет \u0007bell'
    story = f"https://example.com/feed-check/{uuid.uuid4().hex}"
    resp = client.post(api + "/posts", json={"title": title, "post_url": story})
    check(resp.status_code == 201, f"posting answered {resp.status_code}")
    post_id = resp.json()["id"]
    check(client.put(f"{api}/posts/{post_id}/vote").status_code == 200, "voting")

    shown = title.replace("\u0007", "\ufffd")
    for path in ["/feeds/new.atom", f"/user/{name}/feed.atom"]:
        entry = read(client, base, path).entries[0]
        check(entry.title == shown, f"{path}: title {entry.title!r}")
        check(entry.link == f"{base}/post/{post_id}", f"{path}: link {entry.link!r}")
        check(entry.author == name, f"{path}: author {entry.get('author')!r}")
        check(entry.summary == f"1 point by {name}, 0 comments", f"{path}: summary {entry.summary!r}")
        check(story in entry.content[0].value, f"{path}: the story link in the content")
    check(len(read(client, base, f"/user/{name}/feed.atom").entries) == 1, "the personal feed holds one post")
    hot = read(client, base, "/feeds/hot.atom")
    check(any(entry.link == f"{base}/post/{post_id}" for entry in hot.entries), "the voted new post is hot")

    resp = client.get(f"{base}/user/no_such_{uuid.uuid4().hex[:8]}/feed.atom")
    check(resp.status_code == 404, f"an unknown person's feed answered {resp.status_code}")
    etag = client.get(base + "/feeds/new.atom").headers["etag"]
    resp = client.get(base + "/feeds/new.atom", headers={"if-none-match": etag})
    check(resp.status_code == 304 and not resp.content, f"an unchanged feed answered {resp.status_code}")
    print(f"feed check: hot, new and personal feeds read by feedparser {feedparser.__version__}; {total} fuzzed posts")


if __name__ == "__main__":
    main()
