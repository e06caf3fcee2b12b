"""Drive a live server with a client generated from the committed openapi.json.

Usage: python client_check.py API_URL   (API_URL like http://127.0.0.1:PORT/api)
The generated package `jtn_client` must be importable (tests/contract/run puts
it on PYTHONPATH after generating it into a temp dir).

Flow: sign up, the session says logged in, create a post, comment on it, reply
to the comment and edit the reply, vote, read the post back (vote_count 1, the
thread in order), save it and find it in the saved list, write a text post (no
link: post_url null, its Markdown rendered), list the tags, set and read back
the filtered tags, list posts with exclude_tags, read the profile
(karma 1) and the person's comments, turn
two-factor login on with a code computed from the secret, log out, a login
without a code is refused, one with a recovery code works; then personal API
tokens (below); ask for a password reset (202) and confirm a made-up token (400),
log out, the session says logged out. Every call uses the generated functions and
models; the session cookie is carried by one httpx client shared by the generated
Client and AuthenticatedClient (openapi-python-client has no support for an apiKey
in a cookie, so that AuthenticatedClient is given a dummy header name it never needs).

API tokens: with the cookie, a wrong password is refused (403 wrong_password), a
`write` token (never expiring) and a `read` one (a day) are made (create_token);
then a second, separate AuthenticatedClient as the generator meant it — its own
httpx client, `token=` the secret, the default `Authorization: Bearer` — and no
cookie at all reads the front page, creates a post, comments on it, votes on it,
reads get_session (logged in, the right user), and is refused change_password
(403 insufficient_scope); the read token reads but is refused a post (403
insufficient_scope); the cookie lists both tokens without secrets (the write one
used), revokes the write token (revoke_token), and the token is then 401
invalid_token with `WWW-Authenticate: Bearer`; the token clients never got a cookie.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
import struct
import sys
import time
import uuid

import httpx

from jtn_client import AuthenticatedClient, Client
from jtn_client.api.comments import create_comment, update_comment
from jtn_client.api.people import get_user, list_user_comments
from jtn_client.api.posts import (
    create_post,
    get_filters,
    get_post,
    list_posts,
    list_saved_posts,
    list_tags,
    save_post,
    set_filters,
    vote_post,
)
from jtn_client.api.account import (
    change_password,
    confirm_two_factor,
    create_token,
    get_profile,
    list_tokens,
    revoke_token,
    start_two_factor,
)
from jtn_client.api.session import get_session
from jtn_client.api.users import confirm_password_reset, log_in, log_out, request_password_reset, sign_up
from jtn_client.models import (
    CommentEdit,
    Filters,
    Login,
    NewComment,
    NewPost,
    NewToken,
    PasswordChange,
    Reauthentication,
    ResetConfirmation,
    ResetRequest,
    SignUp,
    TokenScope,
    TotpConfirmation,
)

COOKIE = "jtn_session"
PASSWORD = "client-check-pw-42"


def totp(secret: str, at: float) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s), written from the RFC for this check."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def check(cond: bool, what: str) -> None:
    if not cond:
        raise SystemExit(f"client_check FAILED: {what}")
    print(f"  ok  {what}")


def token_flows(api_url: str, authed: AuthenticatedClient, anon: Client, me, name: str) -> None:
    """Personal API tokens, made and revoked with the cookie session (`authed`), used alone."""
    r = create_token.sync_detailed(
        client=authed, body=NewToken(name="wrong", scopes=[TokenScope.WRITE], password="not-my-password-1")
    )
    check(r.status_code == 403 and r.parsed.code == "wrong_password",
          f"create_token with a wrong password -> 403 wrong_password (got {r.status_code})")

    r = create_token.sync_detailed(
        client=authed,
        body=NewToken(
            name="client check writer", scopes=[TokenScope.WRITE], expires_in_days=None, password=PASSWORD
        ),
    )
    why = "" if r.status_code == 201 else f": {r.content[:200]!r}"  # (the body holds the secret)
    check(r.status_code == 201 and r.parsed is not None, f"create_token (write) -> 201 (got {r.status_code}{why})")
    made = r.parsed
    check(re.fullmatch(r"jtn_[0-9A-Za-z]{43}", made.token) is not None, "the token is jtn_ and 43 base62 characters")
    check(made.name == "client check writer" and made.scopes == [TokenScope.WRITE], "the token's name and scopes")
    check(made.expires_at is None and made.last_used_at is None, "no expires_in_days: never expires; unused")
    writer_id, writer_secret = made.id, made.token

    r = create_token.sync_detailed(
        client=authed,
        body=NewToken(name="client check reader", scopes=[TokenScope.READ], expires_in_days=1, password=PASSWORD),
    )
    check(r.status_code == 201 and r.parsed is not None, f"create_token (read, 1 day) -> 201 (got {r.status_code})")
    reader = r.parsed
    lifetime = reader.expires_at - reader.created_at if reader.expires_at else None
    check(lifetime is not None and abs(lifetime - datetime.timedelta(days=1)) < datetime.timedelta(minutes=1),
          "expires_in_days 1: expires a day after it is made")

    # As a program would: a client of its own, the token in `Authorization: Bearer`, no cookie.
    tok = AuthenticatedClient(base_url=api_url, token=writer_secret, raise_on_unexpected_status=True)

    r = list_posts.sync_detailed(client=tok, per_page=100)
    check(r.status_code == 200 and r.parsed is not None and r.parsed.total >= 2,
          f"token: list_posts -> 200 (got {r.status_code})")

    r = create_post.sync_detailed(
        client=tok, body=NewPost(title="Posted by a program", post_url="https://example.com/by-token")
    )
    check(r.status_code == 201 and r.parsed is not None,
          f"token: create_post -> 201 (got {r.status_code}: {r.content[:200]!r})")
    post = r.parsed
    check(post.author.id == me.id and post.author.username == name, "token: the post is the token owner's")

    r = create_comment.sync_detailed(client=tok, body=NewComment(post_id=post.id, comment_text="From a script"))
    check(r.status_code == 201 and r.parsed is not None, f"token: create_comment -> 201 (got {r.status_code})")
    check(r.parsed.post_id == post.id and r.parsed.author.id == me.id, "token: the comment: on the post, by the owner")

    r = vote_post.sync_detailed(post.id, client=tok)
    check(r.status_code == 200 and r.parsed is not None, f"token: vote_post -> 200 (got {r.status_code})")
    check(r.parsed.voted and r.parsed.vote_count == 1, "token: vote counted")

    r = get_session.sync_detailed(client=tok)
    s = r.parsed
    check(r.status_code == 200 and s is not None and s.logged_in, "token: get_session says logged in")
    check(s.user is not None and s.user.id == me.id and s.user.username == name,
          "token: get_session names the owner")

    r = get_post.sync_detailed(post.id, client=anon)
    check(r.status_code == 200 and r.parsed is not None and r.parsed.vote_count == 1 and r.parsed.comment_count == 1,
          "the token's post, read back with the cookie: one vote, one comment")

    r = change_password.sync_detailed(
        client=tok, body=PasswordChange(current_password=PASSWORD, new_password="a-new-pw-by-token-77")
    )
    check(r.status_code == 403 and r.parsed is not None and r.parsed.code == "insufficient_scope",
          f"token: change_password -> 403 insufficient_scope (got {r.status_code}: {r.content[:200]!r})")

    ro = AuthenticatedClient(base_url=api_url, token=reader.token, raise_on_unexpected_status=True)
    r = list_posts.sync_detailed(client=ro, per_page=100)
    check(r.status_code == 200 and r.parsed is not None and post.id in [p.id for p in r.parsed.posts],
          "read token: list_posts -> 200")
    r = create_post.sync_detailed(client=ro, body=NewPost(title="A read token cannot post", text="No."))
    check(r.status_code == 403 and r.parsed is not None and r.parsed.code == "insufficient_scope",
          f"read token: create_post -> 403 insufficient_scope (got {r.status_code}: {r.content[:200]!r})")

    r = list_tokens.sync_detailed(client=authed)
    check(r.status_code == 200 and r.parsed is not None, f"list_tokens -> 200 (got {r.status_code})")
    listed = {t.id: t for t in r.parsed.tokens}
    check(set(listed) == {writer_id, reader.id}, "list_tokens lists both tokens")
    check(b"jtn_" not in r.content, "list_tokens shows no secret")
    check(listed[writer_id].last_used_at is not None, "the used token has a last_used_at")

    r = revoke_token.sync_detailed(writer_id, client=authed)
    check(r.status_code == 204, f"revoke_token -> 204 (got {r.status_code})")
    r = get_session.sync_detailed(client=tok)
    check(r.status_code == 401 and r.parsed is not None and r.parsed.code == "invalid_token",
          f"revoked token: get_session -> 401 invalid_token (got {r.status_code}: {r.content[:200]!r})")
    check(r.headers.get("www-authenticate", "").lower().startswith("bearer"), "revoked token: WWW-Authenticate: Bearer")
    r = create_comment.sync_detailed(client=tok, body=NewComment(post_id=post.id, comment_text="Too late"))
    check(r.status_code == 401 and r.parsed is not None and r.parsed.code == "invalid_token",
          f"revoked token: create_comment -> 401 invalid_token (got {r.status_code})")
    r = list_tokens.sync_detailed(client=authed)
    check(r.status_code == 200 and [t.id for t in r.parsed.tokens] == [reader.id],
          "the revoked token is no longer listed")
    check(not tok.get_httpx_client().cookies and not ro.get_httpx_client().cookies,
          "the token clients never got a cookie")


def main(api_url: str) -> None:
    http = httpx.Client(base_url=api_url, timeout=30.0)
    anon = Client(base_url=api_url, raise_on_unexpected_status=True).set_httpx_client(http)
    authed = AuthenticatedClient(
        base_url=api_url, token="", prefix="", auth_header_name="X-Unused", raise_on_unexpected_status=True
    ).set_httpx_client(http)

    name = "gc_" + uuid.uuid4().hex[:12]
    r = sign_up.sync_detailed(
        client=anon, body=SignUp(username=name, email=f"{name}@example.com", password=PASSWORD)
    )
    check(r.status_code == 201, f"sign_up -> 201 (got {r.status_code}: {r.content[:200]!r})")
    me = r.parsed
    check(me is not None and me.username == name, "sign_up returns the new user")
    check(http.cookies.get(COOKIE) is not None, "sign_up set the session cookie")

    r = get_session.sync_detailed(client=anon)
    s = r.parsed
    check(r.status_code == 200 and s is not None and s.logged_in, "get_session says logged in")
    check(s.user is not None and s.user.id == me.id and s.user.username == name, "get_session names the user")

    r = create_post.sync_detailed(
        client=authed, body=NewPost(title="Generated clients work", post_url="https://example.com/generated")
    )
    check(r.status_code == 201 and r.parsed is not None, f"create_post -> 201 (got {r.status_code})")
    post = r.parsed
    check(post.author.id == me.id and post.vote_count == 0 and not post.voted, "new post: author, 0 votes")

    r = create_comment.sync_detailed(client=authed, body=NewComment(post_id=post.id, comment_text="First!"))
    check(r.status_code == 201 and r.parsed is not None, f"create_comment -> 201 (got {r.status_code})")
    comment = r.parsed
    check(comment.post_id == post.id and comment.author.id == me.id, "comment is on the post, by the user")
    check(comment.parent_id is None and comment.depth == 0, "a top-level comment has no parent")

    r = create_comment.sync_detailed(
        client=authed, body=NewComment(post_id=post.id, parent_id=comment.id, comment_text="A *reply*")
    )
    check(r.status_code == 201 and r.parsed is not None, f"create_comment (reply) -> 201 (got {r.status_code})")
    reply = r.parsed
    check(reply.parent_id == comment.id and reply.depth == 1, "the reply answers the comment")
    check(reply.comment_html == "<p>A <em>reply</em></p>\n", "the reply is rendered")
    check(reply.updated_at is None, "a new reply is not edited")

    r = update_comment.sync_detailed(reply.id, client=authed, body=CommentEdit(comment_text="An edited reply"))
    check(r.status_code == 200 and r.parsed is not None, f"update_comment -> 200 (got {r.status_code})")
    check(r.parsed.comment_text == "An edited reply" and r.parsed.updated_at is not None, "the edit is marked")

    r = vote_post.sync_detailed(post.id, client=authed)
    check(r.status_code == 200 and r.parsed is not None, f"vote_post -> 200 (got {r.status_code})")
    check(r.parsed.voted and r.parsed.vote_count == 1 and r.parsed.post_id == post.id, "vote counted")

    r = get_post.sync_detailed(post.id, client=anon)
    check(r.status_code == 200 and r.parsed is not None, f"get_post -> 200 (got {r.status_code})")
    detail = r.parsed
    check(detail.vote_count == 1 and detail.voted, "post read back: vote_count 1, voted")
    check([c.id for c in detail.comments] == [comment.id, reply.id], "post read back: the thread in order")
    check(detail.comments[0].comment_text == "First!", "post read back: comment text")
    check(detail.comment_count == 2, "post read back: comment_count 2")
    check(not detail.saved, "post read back anonymously: saved false")

    r = save_post.sync_detailed(post.id, client=authed)
    check(r.status_code == 204, f"save_post -> 204 (got {r.status_code})")
    r = list_saved_posts.sync_detailed(client=authed)
    check(r.status_code == 200 and r.parsed is not None, f"list_saved_posts -> 200 (got {r.status_code})")
    check(r.parsed.total == 1 and [p.id for p in r.parsed.posts] == [post.id] and r.parsed.posts[0].saved,
          "the saved post is listed, saved")

    r = create_post.sync_detailed(client=authed, body=NewPost(title="Ask: a text post", text="Is **this** a question?"))
    check(r.status_code == 201 and r.parsed is not None, f"create_post (text) -> 201 (got {r.status_code})")
    text_post = r.parsed
    check(text_post.post_url is None and text_post.tags == [], "a text post has no link and no tags")
    r = get_post.sync_detailed(text_post.id, client=anon)
    check(r.status_code == 200 and r.parsed is not None, f"get_post (text) -> 200 (got {r.status_code})")
    check(r.parsed.text == "Is **this** a question?", "the text post's text read back")
    check(r.parsed.text_html == "<p>Is <strong>this</strong> a question?</p>\n", "the text post's Markdown rendered")
    r = get_post.sync_detailed(post.id, client=anon)
    check(r.parsed is not None and r.parsed.text is None and r.parsed.text_html is None, "a link post has no text")

    r = list_tags.sync_detailed(client=anon)
    check(r.status_code == 200 and r.parsed is not None and isinstance(r.parsed.tags, list), "list_tags -> 200")
    r = set_filters.sync_detailed(client=authed, body=Filters(tags=[]))
    check(r.status_code == 200 and r.parsed is not None and r.parsed.tags == [], "set_filters -> 200, none")
    r = get_filters.sync_detailed(client=authed)
    check(r.status_code == 200 and r.parsed is not None and r.parsed.tags == [], "get_filters -> 200, none")
    r = list_posts.sync_detailed(client=anon, exclude_tags="no-such-tag", per_page=100)
    check(r.status_code == 200 and r.parsed is not None and text_post.id in [p.id for p in r.parsed.posts],
          "list_posts with exclude_tags naming no tag lists everything")

    r = get_user.sync_detailed(me.username.upper(), client=anon)
    check(r.status_code == 200 and r.parsed is not None, f"get_user -> 200 (got {r.status_code})")
    check(r.parsed.karma == 1 and r.parsed.post_count == 2 and r.parsed.comment_count == 2, "profile counts")

    r = list_user_comments.sync_detailed(me.username, client=anon, per_page=1)
    check(r.status_code == 200 and r.parsed is not None, f"list_user_comments -> 200 (got {r.status_code})")
    page = r.parsed
    check(page.total == 2 and [c.id for c in page.comments] == [reply.id], "newest comment first, paged")
    check(page.comments[0].post.title == post.title, "each comment names its post")

    r = start_two_factor.sync_detailed(client=authed, body=Reauthentication(password=PASSWORD))
    check(r.status_code == 200 and r.parsed is not None, f"start_two_factor -> 200 (got {r.status_code})")
    check(r.parsed.otpauth_url.startswith("otpauth://totp/") and "<svg" in r.parsed.qr_svg, "a Key URI and a QR code")
    code = totp(r.parsed.secret, time.time())
    r = confirm_two_factor.sync_detailed(client=authed, body=TotpConfirmation(code=code))
    check(r.status_code == 200 and r.parsed is not None, f"confirm_two_factor -> 200 (got {r.status_code})")
    recovery_codes = r.parsed.recovery_codes
    check(len(recovery_codes) == 10, "ten recovery codes")
    r = get_profile.sync_detailed(client=authed)
    check(r.status_code == 200 and r.parsed.two_factor and r.parsed.recovery_codes_left == 10, "two-factor is on")

    r = log_out.sync_detailed(client=anon)
    check(r.status_code == 204, f"log_out -> 204 (got {r.status_code})")
    check(http.cookies.get(COOKIE) is None, "log_out dropped the cookie")
    email = f"{name}@example.com"
    r = log_in.sync_detailed(client=anon, body=Login(email=email, password=PASSWORD))
    check(r.status_code == 401 and r.parsed.code == "two_factor_required", "a login without a code is refused")
    r = log_in.sync_detailed(client=anon, body=Login(email=email, password=PASSWORD, recovery_code=recovery_codes[0]))
    check(r.status_code == 200 and r.parsed.id == me.id, f"log_in with a recovery code -> 200 (got {r.status_code})")

    token_flows(api_url, authed, anon, me, name)

    r = request_password_reset.sync_detailed(client=anon, body=ResetRequest(email=email))
    check(r.status_code == 202, f"request_password_reset -> 202 (got {r.status_code})")
    r = confirm_password_reset.sync_detailed(
        client=anon, body=ResetConfirmation(token="A" * 43, new_password="another-pw-for-check-9")
    )
    check(r.status_code == 400 and r.parsed.code == "invalid_token", "a made-up reset token is refused")

    r = log_out.sync_detailed(client=anon)
    check(r.status_code == 204, f"log_out -> 204 (got {r.status_code})")

    r = get_session.sync_detailed(client=anon)
    s = r.parsed
    check(r.status_code == 200 and s is not None and not s.logged_in, "get_session says logged out")
    check(not s.user, "get_session has no user")
    print("client_check: all steps passed")


if __name__ == "__main__":
    main(sys.argv[1])
