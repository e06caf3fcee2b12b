"""Schemathesis hooks for the Just Tech News contract run (tests/contract/run).

Loaded through SCHEMATHESIS_HOOKS=hooks (with this folder on PYTHONPATH). JTN_FUZZ_AUTH picks
the pass: 0 anonymous, 1 logged in with the session cookie, token with a personal API token.

* When JTN_FUZZ_AUTH=1, an auth provider signs up a fresh user through
  POST /users and puts its `jtn_session` cookie on every generated request
  (and no `Authorization` header: a random bearer credential generated for an
  operation that also takes the bearer_token scheme is dropped, as schemathesis
  itself does, since a token wins over a cookie).
  The session can end under the fuzzer's feet, and the hooks follow it:
    - sign_up / log_in that succeed with our cookie replace our session
      (the server always issues a new token): we adopt the new cookie;
    - change_password rotates our token: we adopt the new cookie;
    - delete_account (and any response that expires our cookie, or a 401 for a
      request that carried it) ends the session: we check GET /session and,
      when it says logged out, sign up a new user before the next case.
  So that those success paths really run (a random password never matches), about
  half of the schema-valid delete_account / change_password / create_token / two-factor /
  change_email / begin_passkey_registration bodies get the session user's real password (chosen by a hash of the generated value,
  so a case replays the same); the hook tracks that password through sign-ups, logins
  and password changes made with our session.
  Only log_out is excluded from the logged-in run (see tests/contract/run).
  A 401 login_required for our cookie while GET /session calls it live is recorded
  as an anomaly, and the runner fails on it.
* When JTN_FUZZ_AUTH=token, the auth provider signs up a fresh user, makes it a
  `write` token through POST /users/me/tokens with that user's cookie (the cookie
  is never sent by the pass itself), and puts `Authorization: Bearer <token>` on
  every generated request, with no cookie, and `Sec-Fetch-Site: cross-site` (bearer
  requests skip the cross-site check). Nothing a token may do ends it (password,
  two-factor, tokens, sessions and account deletion take the cookie only), but a
  moderator can still ban itself: after a 401 for our token the hook asks GET /session
  with it and, when the token is dead, makes a new user and token. The same half of
  the re-authentication bodies get the real password, so that the cookie-only
  operations are shown to refuse a token even when everything else is right.
  Recorded as anomalies (the runner fails on them), for requests that carried our token:
    - a 2xx from an operation whose security does not list bearer_token (cookie only:
      the documented answer is 403 `insufficient_scope`, which is counted, not failed);
    - 403 `insufficient_scope` from an operation whose security lists bearer_token
      (a `write` token may do everything such an operation does), or from an anonymous
      one but sign-up, login and logout (browsers' only: there a 2xx is the anomaly);
    - a `Set-Cookie` for the session cookie (bearer requests never get a cookie);
    - 403 `cross_site_request`;
    - GET /session saying logged out, or a 401 `invalid_token` / `login_required`
      while GET /session calls the token live.
  log_out runs in this pass and is refused, as sign-up and login are: their answer is a
  browser's cookie, which a bearer request never gets.
* With JTN_FUZZ_ADMIN_TOKEN (an admin's session cookie, made by the runner with
  `just-tech-news admin grant`), every user the hook signs up is made a moderator
  through PUT /admin/users/{id}/role, so the moderation operations run for real
  (removals, restores, bans of other fuzz users) rather than answering 403.
* Always: every response is counted per operation and status, and the totals
  are written to JTN_FUZZ_STATS (JSON) so the runner can print how many cases
  ran per operation. In every pass, a 401 `invalid_token` without a
  `WWW-Authenticate: Bearer ...` header is an anomaly.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import threading
import uuid
import zlib
from collections import Counter, defaultdict
from http.cookies import SimpleCookie

import requests
import schemathesis

API = os.environ["JTN_API_URL"].rstrip("/")  # e.g. http://127.0.0.1:PORT/api
COOKIE = "jtn_session"
PASSWORD = "fuzz-password-123x"
MODE = os.environ.get("JTN_FUZZ_AUTH", "0")  # 0: anonymous, 1: session cookie, token: bearer token
AUTH = MODE == "1"  # the session cookie pass
BEARER = MODE == "token"  # the personal API token pass
BEARER_SCHEME = "bearer_token"  # the spec's name of the HTTP bearer security scheme
TOKEN_FORMAT = re.compile(r"jtn_[0-9A-Za-z]{40,}")
STATS_PATH = os.environ.get("JTN_FUZZ_STATS")
DEBUG = os.environ.get("JTN_FUZZ_DEBUG") == "1"
ADMIN_TOKEN = os.environ.get("JTN_FUZZ_ADMIN_TOKEN")

_lock = threading.Lock()
_token: str | None = None  # our session cookie's value, or in the token pass our bearer token
_password = PASSWORD  # the password of the user that _token belongs to
_signups = 0
_tokens_made = 0  # API tokens made by the hook (token pass)
_token_failure: str | None = None  # why making a token failed: said again for every case, not retried
_counts: dict[str, Counter] = defaultdict(Counter)
_anomalies: list[str] = []  # session inconsistencies seen (the runner fails on any)
_probes: Counter = Counter()  # calls per operation made without our session (auth probes, anonymous run)
# operation id -> the body field that must hold the current password
_REAUTH_FIELDS = {
    "delete_account": "password",
    "change_password": "current_password",
    "start_two_factor": "password",
    "disable_two_factor": "password",
    "regenerate_recovery_codes": "password",
    "create_token": "password",
    "change_email": "password",
    "begin_passkey_registration": "password",
}


def _anomaly(message: str) -> None:
    """Record a contract anomaly once (the runner fails on any); the caller holds _lock."""
    if message not in _anomalies and len(_anomalies) < 200:
        _anomalies.append(message)


def _sign_up() -> str:
    global _signups
    name = "fz_" + uuid.uuid4().hex[:24]
    resp = requests.post(
        f"{API}/users",
        json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
        timeout=30,
    )
    if resp.status_code != 201 or COOKIE not in resp.cookies:
        raise RuntimeError(f"fuzz sign-up failed: {resp.status_code} {resp.text[:300]}")
    _signups += 1
    if ADMIN_TOKEN:
        user_id = resp.json()["id"]
        promoted = requests.put(
            f"{API}/admin/users/{user_id}/role",
            json={"role": "moderator"},
            cookies={COOKIE: ADMIN_TOKEN},
            timeout=30,
        )
        if promoted.status_code != 200:
            raise RuntimeError(f"making the fuzz user a moderator failed: {promoted.status_code} {promoted.text[:300]}")
    return resp.cookies[COOKIE]


def _make_api_token() -> str:
    """A fresh (moderator) user's `write` API token, made with that user's session cookie."""
    global _tokens_made, _token_failure
    if _token_failure is not None:
        raise RuntimeError(_token_failure)
    cookie = _sign_up()
    resp = requests.post(
        f"{API}/users/me/tokens",
        json={"name": "schemathesis token pass", "scopes": ["write"], "expires_in_days": None, "password": PASSWORD},
        cookies={COOKIE: cookie},
        timeout=30,
    )
    secret = resp.json().get("token") if resp.status_code == 201 else None
    if resp.status_code != 201:
        _token_failure = f"making the fuzz user's API token failed: {resp.status_code} {resp.text[:300]}"
    elif not isinstance(secret, str) or not TOKEN_FORMAT.fullmatch(secret):
        _token_failure = f"the new API token is not jtn_ and base62 characters: {secret!r:.80}"
    if _token_failure is not None:
        raise RuntimeError(_token_failure)
    _tokens_made += 1
    return secret


def _logged_in(token: str) -> bool:
    resp = requests.get(f"{API}/session", cookies={COOKIE: token}, timeout=30)
    resp.raise_for_status()
    return bool(resp.json().get("logged_in"))


def _bearer_live(token: str) -> bool:
    """Whether GET /session takes `token` for a logged-in person (a dead token is 401)."""
    resp = requests.get(f"{API}/session", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    if resp.status_code == 401:
        return False
    resp.raise_for_status()
    return bool(resp.json().get("logged_in"))


def _current_token() -> str:
    global _token, _password
    with _lock:
        if _token is None:
            _token = _make_api_token() if BEARER else _sign_up()
            _password = PASSWORD
        return _token


def _operation_id(case) -> str | None:
    return case.operation.definition.raw.get("operationId")


def _set_cookies(response) -> list[tuple[str, int | None]]:
    """(value, max_age) of every `jtn_session` cookie the response sets."""
    out = []
    for header in response.headers.get("set-cookie", []):
        jar = SimpleCookie()
        try:
            jar.load(header)
        except Exception:
            continue
        if COOKIE in jar:
            morsel = jar[COOKIE]
            max_age = morsel["max-age"]
            out.append((morsel.value, int(max_age) if max_age not in ("", None) else None))
    return out


def _error_code(response) -> str | None:
    try:
        return json.loads(response.content).get("code")
    except Exception:
        return None


def _header(response, name: str) -> str:
    """A response header's (first) value, or ""."""
    values = response.headers.get(name.lower()) or response.headers.get(name) or []
    if isinstance(values, str):
        return values
    return values[0] if values else ""


def _security_schemes(case) -> set[str]:
    """The security schemes the spec lets this operation take (any of them)."""
    requirements = case.operation.definition.raw.get("security") or []
    return {name for requirement in requirements if isinstance(requirement, dict) for name in requirement}


def _sent_bearer(response) -> str | None:
    header = response.request.headers.get("Authorization") or ""
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


def _sent_token(response) -> str | None:
    if BEARER:
        return _sent_bearer(response)
    header = response.request.headers.get("Cookie") or ""
    jar = SimpleCookie()
    try:
        jar.load(header)
    except Exception:
        return None
    return jar[COOKIE].value if COOKIE in jar else None


if AUTH:

    # refresh_interval=None: no caching by schemathesis; _current_token() keeps the
    # one live session and the after_call hook below follows its changes.
    @schemathesis.auth(refresh_interval=None)
    class SessionCookie:
        def get(self, case, ctx):
            return _current_token()

        def set(self, case, data, ctx):
            cookies = dict(case.cookies or {})
            cookies[COOKIE] = data
            case.cookies = cookies
            # The cookie alone: a generated bearer credential would win over it.
            if isinstance(case.headers, dict):
                case.headers = {k: v for k, v in case.headers.items() if k.lower() != "authorization"}

if BEARER:

    @schemathesis.auth(refresh_interval=None)
    class BearerToken:
        def get(self, case, ctx):
            return _current_token()

        def set(self, case, data, ctx):
            headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
            headers["Authorization"] = f"Bearer {data}"
            # As a browser would mark a request from another site: a bearer request skips the
            # cross-site check (a cookie request with it is 403 cross_site_request).
            headers["Sec-Fetch-Site"] = "cross-site"
            case.headers = headers
            # The token alone: a cookie-only operation's generated session cookie is left out.
            if isinstance(case.cookies, dict) and COOKIE in case.cookies:
                case.cookies = {k: v for k, v in case.cookies.items() if k != COOKIE}


@schemathesis.hook
def before_call(context, case, kwargs):
    if not (AUTH or BEARER):
        return
    field = _REAUTH_FIELDS.get(_operation_id(case))
    body = case.body
    if field is None or not isinstance(body, dict) or not isinstance(body.get(field), str):
        return
    meta = case.meta
    if meta is None or meta.generation.mode.is_negative:
        return
    generated = body[field].encode("utf-8", "surrogatepass")
    if zlib.crc32(generated) % 2 == 0:
        with _lock:
            body[field] = _password


@schemathesis.hook
def after_call(context, case, response):
    global _token, _password
    status = response.status_code
    _counts[case.operation.label][str(status)] += 1
    if status == 401 and _error_code(response) == "invalid_token" and not _header(
        response, "WWW-Authenticate"
    ).lower().startswith("bearer"):
        with _lock:
            _anomaly(f"{case.operation.label} answered 401 invalid_token without `WWW-Authenticate: Bearer`")
    if BEARER:
        _after_bearer_call(case, response)
        return
    sent = _sent_token(response)
    if DEBUG and _operation_id(case) in {*_REAUTH_FIELDS, "sign_up", "log_in"}:
        print(f"[hooks] {case.operation.label} ours={sent is not None and sent == _token} body={case.body!r:.120}"
              f" -> {status} {response.content[:100]!r} set-cookie={_set_cookies(response)}")
    with _lock:
        if sent is None or sent != _token:
            # Not a request made with our session: an auth probe of the ignored_auth
            # check, or any request of the anonymous run.
            _probes[case.operation.label] += 1
            return
        set_cookies = _set_cookies(response)
        for value, max_age in set_cookies:
            if value and (max_age is None or max_age > 0):
                # A new token: sign-up or login (another user, perhaps), or a password change.
                _token = value
                body = case.body if isinstance(case.body, dict) else {}
                op = _operation_id(case)
                if op in ("sign_up", "log_in") and isinstance(body.get("password"), str):
                    _password = body["password"]
                elif op == "change_password" and isinstance(body.get("new_password"), str):
                    _password = body["new_password"]
                return
        if status == 429 and _operation_id(case) in _REAUTH_FIELDS:
            # This account's failed re-authentications are throttled now (10 per account
            # by default), so its real password would get 429 too: carry on with a new
            # user, so that deleting an account and changing a password can still succeed.
            _token = None
            return
        ended = any(not value or (max_age is not None and max_age <= 0) for value, max_age in set_cookies)
        if ended or status == 401:
            # Our session may be gone (delete_account, ...). Ask the server, and start
            # over with a fresh user if it says we are logged out.
            if not _logged_in(_token):
                _token = None
            elif status == 401 and _error_code(response) == "login_required":
                # The server contradicts itself: 401 for a session it calls live.
                _anomalies.append(
                    f"{case.operation.label} answered 401 login_required to a live session "
                    f"(GET /session says logged in); body sent: {case.body!r:.200}"
                )


# The anonymous operations whose answer is a browser's cookie (sign-up, the logins, logout) or
# leads to one (a passkey login's options): a bearer request never gets one, so the server
# refuses a token there (403 `insufficient_scope`).
BROWSER_ONLY = {"sign_up", "log_in", "log_out", "begin_passkey_login", "log_in_with_passkey"}


def _after_bearer_call(case, response) -> None:
    """The token pass's bookkeeping and checks for one response (see the module's docstring)."""
    global _token
    status = response.status_code
    label = case.operation.label
    sent = _sent_bearer(response)
    with _lock:
        if sent is None or sent != _token:
            # Not a request made with our token: an auth probe of the ignored_auth check, or a
            # negative case whose security parameter was the one made invalid.
            _probes[label] += 1
            return
        code = _error_code(response)
        schemes = _security_schemes(case)
        body = f"body sent: {case.body!r:.200}"
        if _set_cookies(response):
            _anomaly(f"{label} answered a bearer token request with a session cookie (status {status})")
        if _operation_id(case) in BROWSER_ONLY:
            if 200 <= status < 300:
                _anomaly(f"{label} is for browsers only, yet answered {status} to a write token; {body}")
        elif schemes and BEARER_SCHEME not in schemes:
            if 200 <= status < 300:
                _anomaly(f"{label} takes the session cookie only, yet answered {status} to a write token; {body}")
        elif status == 403 and code == "insufficient_scope":
            _anomaly(f"{label} lists {BEARER_SCHEME}, yet answered 403 insufficient_scope to a write token; {body}")
        if status == 403 and code == "cross_site_request":
            _anomaly(f"{label} answered 403 cross_site_request to a bearer token request")
        if _operation_id(case) == "get_session" and status == 200:
            try:
                logged_in = json.loads(response.content).get("logged_in")
            except Exception:
                logged_in = None
            if logged_in is not True:
                _anomaly("get_session with a live write token says logged out")
        if status == 401:
            # Our token may be dead (a moderator that banned itself, ...): ask the server, and
            # start over with a fresh user and token if it says so.
            if not _bearer_live(_token):
                _token = None
            elif code in ("invalid_token", "login_required"):
                _anomaly(
                    f"{label} answered 401 {code} to a token GET /session calls live; {body}"
                )


def _write_stats() -> None:
    if not STATS_PATH:
        return
    data = {
        "signups": _signups,
        "tokens": _tokens_made,
        "operations": {k: dict(v) for k, v in _counts.items()},
        "without_session": dict(_probes),
        "anomalies": _anomalies,
    }
    with open(STATS_PATH, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)


atexit.register(_write_stats)
