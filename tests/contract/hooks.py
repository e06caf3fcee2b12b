"""Schemathesis hooks for the Just Tech News contract run (tests/contract/run).

Loaded through SCHEMATHESIS_HOOKS=hooks (with this folder on PYTHONPATH).

* When JTN_FUZZ_AUTH=1, an auth provider signs up a fresh user through
  POST /users and puts its `jtn_session` cookie on every generated request.
  The session can end under the fuzzer's feet, and the hooks follow it:
    - sign_up / log_in that succeed with our cookie replace our session
      (the server always issues a new token): we adopt the new cookie;
    - change_password rotates our token: we adopt the new cookie;
    - delete_account (and any response that expires our cookie, or a 401 for a
      request that carried it) ends the session: we check GET /session and,
      when it says logged out, sign up a new user before the next case.
  So that those success paths really run (a random password never matches), about
  half of the schema-valid delete_account / change_password bodies get the
  session user's real password (chosen by a hash of the generated value, so a
  case replays the same); the hook tracks that password through sign-ups, logins
  and password changes made with our session.
  Only log_out is excluded from the logged-in run (see tests/contract/run).
  A 401 login_required for our cookie while GET /session calls it live is recorded
  as an anomaly, and the runner fails on it.
* With JTN_FUZZ_ADMIN_TOKEN (an admin's session cookie, made by the runner with
  `just-tech-news admin grant`), every user the hook signs up is made a moderator
  through PUT /admin/users/{id}/role, so the moderation operations run for real
  (removals, restores, bans of other fuzz users) rather than answering 403.
* Always: every response is counted per operation and status, and the totals
  are written to JTN_FUZZ_STATS (JSON) so the runner can print how many cases
  ran per operation.
"""

from __future__ import annotations

import atexit
import json
import os
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
AUTH = os.environ.get("JTN_FUZZ_AUTH") == "1"
STATS_PATH = os.environ.get("JTN_FUZZ_STATS")
DEBUG = os.environ.get("JTN_FUZZ_DEBUG") == "1"
ADMIN_TOKEN = os.environ.get("JTN_FUZZ_ADMIN_TOKEN")

_lock = threading.Lock()
_token: str | None = None
_password = PASSWORD  # the password of the user that _token belongs to
_signups = 0
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
}


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


def _logged_in(token: str) -> bool:
    resp = requests.get(f"{API}/session", cookies={COOKIE: token}, timeout=30)
    resp.raise_for_status()
    return bool(resp.json().get("logged_in"))


def _current_token() -> str:
    global _token, _password
    with _lock:
        if _token is None:
            _token = _sign_up()
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


def _sent_token(response) -> str | None:
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


@schemathesis.hook
def before_call(context, case, kwargs):
    if not AUTH:
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


def _write_stats() -> None:
    if not STATS_PATH:
        return
    data = {
        "signups": _signups,
        "operations": {k: dict(v) for k, v in _counts.items()},
        "without_session": dict(_probes),
        "anomalies": _anomalies,
    }
    with open(STATS_PATH, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)


atexit.register(_write_stats)
