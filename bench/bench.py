#!/usr/bin/env python3
"""Load benchmark driver for Just Tech News (called by bench/run; stdlib only).

Phases:
  0. fresh database, start the server, create a few users / a post / a comment / a vote through
     the API, stop the server and read those rows back: that is the exact row shape to copy.
  1. bulk-load to 1,000 users and 1,000 posts (5 comments, 10 votes per post), start, measure (g) at 1k.
  2. bulk-load to 10,000 posts / 50,000 comments / 100,000 votes, start (start-to-ready, idle RSS),
     run scenarios (a)-(f) and (g) at 10k.
  3. bulk-load to 100,000 posts (500,000 comments, 1,000,000 votes), start, measure (g) at 100k.
Then print the table with the issue-7 targets.
"""

import hashlib
import html
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

BACKEND = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
BIN = os.environ.get("JTN_BIN", "/root/.cache/jtn-target/release/just-tech-news")
PORT = int(os.environ.get("BENCH_PORT", "3917"))
DURATION = int(os.environ.get("BENCH_DURATION", "8"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))
CONNS = 64
PACE_MS = int(os.environ.get("BENCH_PACE_MS", "25"))  # (b) paced beside the storm
PASSWORD = "bench-password-123x"
API_USERS = 8          # signed up through the API (their cookies drive the logged-in scenarios)
USERS = 1000
COMMENTS_PER_POST = 5
# The comments of the one post whose thread scenario (i) reads (DESIGN.md section 12: up to 8 deep).
THREAD = 200
VOTES_PER_POST = 10
# Requests of (l), cycled: more than a run makes at its pace, so a (viewer, post) asked for is
# rarely one asked for before, let alone one still kept.
RANDOM_POSTS = 200000
# Issue 29: twelve tags; every post carries one, every fourth a second. The shaped reader filters
# three (about a third of all posts), hides 50 posts and mutes 5 people.
TAGS = ["ask", "databases", "rust", "go", "web", "security", "linux", "python", "javascript",
        "hardware", "science", "culture"]
FILTERED = ["web", "python", "culture"]
HERE = os.path.dirname(os.path.abspath(__file__))
WORK = tempfile.mkdtemp(prefix="jtn-bench-")
PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGPORT = os.environ.get("PGPORT", "5432")
PGUSER = os.environ.get("PGUSER", "postgres")
PGDB = f"jtn_bench_{int(time.time())}_{os.getpid()}"


def log(msg):
    print(f"==> {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# the server


class Server:
    """One server process; samples VmRSS / VmHWM from /proc while it runs."""

    peak_kib = 0  # max VmHWM over every server process of the run
    phases = []   # (label, VmHWM at stop) per server process
    current = None

    def __init__(self, database_url, label=""):
        self.database_url = database_url
        self.label = label
        self.proc = None

    def start(self):
        env = dict(os.environ)
        env.update(
            BIND=f"127.0.0.1:{PORT}",
            # A name, not an address: browsers refuse an IP address as a passkey's site, and so
            # does the server (the passkey-login row needs passkeys on).
            PUBLIC_URL=f"http://localhost:{PORT}",
            DATABASE_URL=self.database_url,
            WEB_DIR="",
            BCRYPT_COST="12",
            RUST_LOG="warn",
            LOGIN_MAX_FAILURES_PER_ADDRESS="100000",
            # The scenarios post, comment and vote far faster than any person may.
            POST_RATE="0",
            COMMENT_RATE="0",
            VOTE_RATE="0",
            SIGNUP_RATE="0",
            METRICS_BIND=f"127.0.0.1:{PORT + 1}",
        )
        self.log = open(os.path.join(WORK, "server.log"), "a")
        t0 = time.perf_counter()
        Server.current = self
        self.proc = subprocess.Popen([BIN, "--no-demo"], env=env, cwd=WORK,
                                     stdout=self.log, stderr=self.log)
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}; see {WORK}/server.log")
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
                c.request("GET", "/api/health")
                if c.getresponse().status == 200:
                    c.close()
                    break
                c.close()
            except OSError:
                pass
            if time.perf_counter() - t0 > 60:
                raise SystemExit("server not ready after 60 s")
            time.sleep(0.001)
        self.ready_ms = (time.perf_counter() - t0) * 1000
        self.idle_rss_kib = self.status("VmRSS")
        self._stop = False
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def cpu_s(self):
        """User + system CPU seconds of the whole process (all threads) so far."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return 0.0

    def ctx_switches(self):
        total = 0
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            try:
                with open(f"/proc/{self.proc.pid}/task/{tid}/status") as f:
                    for line in f:
                        if "ctxt_switches" in line:
                            total += int(line.split()[1])
            except OSError:
                pass
        return total

    def status(self, field):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _sample(self):
        while not self._stop:
            Server.peak_kib = max(Server.peak_kib, self.status("VmHWM"))
            time.sleep(0.2)

    def stop(self):
        self.hwm_kib = self.status("VmHWM")
        Server.peak_kib = max(Server.peak_kib, self.hwm_kib)
        Server.phases.append((self.label, self.hwm_kib))
        self._stop = True
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def call(method, path, body=None, cookie=None):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {}
    if body is not None:
        body = json.dumps(body)
        headers["Content-Type"] = "application/json"
    if cookie:
        headers["Cookie"] = cookie
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    set_cookie = r.getheader("Set-Cookie")
    c.close()
    if not 200 <= r.status < 300:
        raise SystemExit(f"{method} {path} -> {r.status} {data[:300]!r}")
    cookie = set_cookie.split(";", 1)[0] if set_cookie else None
    return (json.loads(data) if data else None), cookie


# ---------------------------------------------------------------------------------------------
# the database: sqlite3 module or psql


class SqliteDb:
    def __init__(self):
        self.path = os.path.join(WORK, "bench.db")
        self.url = f"sqlite://{self.path}?mode=rwc"

    def rows(self, sql):
        con = sqlite3.connect(self.path)
        try:
            return [tuple(r) for r in con.execute(sql)]
        finally:
            con.close()

    def schema(self):
        return "\n".join(r[0] for r in self.rows(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY tbl_name, type DESC"))

    def copy(self, table, cols, rows):
        con = sqlite3.connect(self.path)
        con.execute("PRAGMA synchronous=OFF")
        marks = ",".join("?" * len(cols))
        with con:
            con.executemany(f"INSERT INTO {table} ({','.join(cols)}) VALUES ({marks})", rows)
        con.close()

    def replace_counts(self, counts):
        con = sqlite3.connect(self.path)
        with con:
            con.execute("DELETE FROM tag_set_counts")
            con.executemany("INSERT INTO tag_set_counts (tag_a, tag_b, tag_c, shown) VALUES (?, ?, ?, ?)",
                            [(*k, v) for k, v in sorted(counts.items())])
        con.close()

    def finish_load(self):
        con = sqlite3.connect(self.path)
        if os.environ.get("BENCH_ANALYZE"):  # off: the server never runs ANALYZE itself
            con.execute("ANALYZE")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()

    def settle(self):
        """After each start: the WAL written back, so every phase's measurement begins with the
        database at rest."""
        con = sqlite3.connect(self.path)
        con.execute("PRAGMA wal_checkpoint(PASSIVE)")
        con.close()

    def explain(self, sql):
        return self.rows("EXPLAIN QUERY PLAN " + sql)

    def drop(self):
        pass


class PostgresDb:
    def __init__(self):
        self.url = f"postgres://{PGUSER}@{PGHOST}:{PGPORT}/{PGDB}"
        self.psql_base = ["psql", "-h", PGHOST, "-p", PGPORT, "-U", PGUSER, "-X", "-q",
                          "-v", "ON_ERROR_STOP=1"]
        subprocess.run(self.psql_base + ["-d", "postgres", "-c", f'CREATE DATABASE "{PGDB}"'],
                       check=True)

    def psql(self, sql, stdin=None):
        return subprocess.run(self.psql_base + ["-d", PGDB, "-A", "-t", "-F", "\t", "-c", sql],
                              input=stdin, check=True, capture_output=True, text=True).stdout

    def rows(self, sql):
        out = self.psql(sql)
        return [tuple(None if v == "" else v for v in line.split("\t"))
                for line in out.splitlines() if line]

    def schema(self):
        return subprocess.run(self.psql_base + ["-d", PGDB, "-c", r"\d users", "-c", r"\d posts",
                                                "-c", r"\d comments", "-c", r"\d votes"],
                              capture_output=True, text=True).stdout

    def copy(self, table, cols, rows):
        def esc(v):
            if v is None:
                return r"\N"
            s = str(v)
            return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        data = "".join("\t".join(esc(v) for v in r) + "\n" for r in rows)
        self.psql(f"COPY {table} ({','.join(cols)}) FROM STDIN", stdin=data)

    def replace_counts(self, counts):
        self.psql("DELETE FROM tag_set_counts")
        self.copy("tag_set_counts", ["tag_a", "tag_b", "tag_c", "shown"], [(*k, v) for k, v in sorted(counts.items())])

    def finish_load(self):
        for t in ("users", "posts", "comments", "tags"):
            self.psql(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))")
        # What autovacuum would have done by itself soon after a load this size; and the
        # checkpoint writes the load's pages out now, not during the next measurement.
        self.psql("VACUUM ANALYZE")
        self.psql("CHECKPOINT")

    def settle(self):
        """After each start (which may migrate, and derive what bulk rows lack): vacuumed,
        analysed and checkpointed, so every phase's measurement begins with the database at
        rest rather than beside autovacuum or a checkpoint."""
        self.psql("VACUUM ANALYZE")
        self.psql("CHECKPOINT")

    def explain(self, sql):
        return self.rows("EXPLAIN ANALYZE " + sql)

    def drop(self):
        subprocess.run(self.psql_base + ["-d", "postgres", "-c", f'DROP DATABASE IF EXISTS "{PGDB}"'],
                       capture_output=True)


# ---------------------------------------------------------------------------------------------
# row shapes, learned from what the API wrote


class Shape:
    """Formats timestamps exactly like a sample value the API stored."""

    def __init__(self, sample):
        if isinstance(sample, datetime):  # never happens with sqlite3/psql text, kept for safety
            sample = sample.isoformat()
        m = re.match(r"^(\d{4}-\d{2}-\d{2})([ T])(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(.*)$", sample)
        if not m:
            raise SystemExit(f"unrecognised timestamp format: {sample!r}")
        self.sep, self.frac, self.suffix = m.group(2), len(m.group(4) or ""), m.group(5)
        self.sample = sample

    def fmt(self, dt, rng):
        s = dt.strftime("%Y-%m-%d") + self.sep + dt.strftime("%H:%M:%S")
        if self.frac:
            v = rng.randrange(10 ** self.frac)
            v += 1 if v % 10 == 0 else 0  # a last digit of 0 would be trimmed by an "auto" precision
            s += "." + str(v).rjust(self.frac, "0")
        return s + self.suffix


class Loader:
    def __init__(self, db, learned):
        self.db = db
        self.L = learned
        self.rng = random.Random(7)
        self.now = datetime.now(timezone.utc).replace(microsecond=0)
        self.users = learned["max_user"]
        self.posts = learned["max_post"]
        self.comments = learned["max_comment"]

    def ts(self, dt):
        return self.L["shape"].fmt(dt, self.rng)

    def load_users(self, n):
        rows = []
        for uid in range(self.users + 1, n + 1):
            name = f"bench_user_{uid}"
            key = name.lower() if self.L["key_is_lower"] else name
            rows.append((uid, name, key, f"{name}@example.com",
                         self.L["hashes"][uid % len(self.L["hashes"])],
                         self.ts(self.now - timedelta(days=400) + timedelta(minutes=uid))))
        self.db.copy("users", ["id", "username", "username_key", "email", "password_hash",
                               "created_at"], rows)
        self.users = n

    def load_tags(self):
        self.tag_sets = {}
        at = self.ts(self.now - timedelta(days=400))
        self.db.copy("tags", ["id", "name", "description", "created_at"],
                     [(i + 1, name, f"About {name}", at) for i, name in enumerate(TAGS)])

    @staticmethod
    def tags_of(pid):
        """The tag ids of post pid: one for every post, a second for every fourth."""
        first = pid % len(TAGS) + 1
        second = (pid // 4) % len(TAGS) + 1
        return [first] if pid % 4 or second == first else [first, second]

    def sync_ids(self):
        """Moves past the ids the API gave meanwhile (the inbox rows write a post and comments)."""
        self.posts = max(self.posts, int(self.db.rows("SELECT COALESCE(MAX(id), 0) FROM posts")[0][0]))
        self.comments = max(self.comments, int(self.db.rows("SELECT COALESCE(MAX(id), 0) FROM comments")[0][0]))

    def load_posts(self, n, minutes_apart):
        """Posts up to id n, each with COMMENTS_PER_POST comments and VOTES_PER_POST votes on
        average; newer ids are newer posts; the newest bulk post is a minute old."""
        self.sync_ids()
        posts, comments, votes = [], [], []
        first = self.posts + 1
        start = self.now - timedelta(minutes=minutes_apart * (n - first + 1))
        for pid in range(first, n + 1):
            at = start + timedelta(minutes=minutes_apart * (pid - first))
            t = self.ts(at)
            uid = self.rng.randint(1, self.users)
            # Pairs of neighbouring posts share a fixed total: exactly 5 comments / 10 votes per post
            # on average, but spread out (0-10 comments, 0-20 votes).
            if (pid - first) % 2 == 0:
                dc = self.rng.randint(0, COMMENTS_PER_POST) if pid < n else 0
                dv = self.rng.randint(0, VOTES_PER_POST) if pid < n else 0
            else:
                dc, dv = -dc, -dv
            # The row keeps its vote count and hotness (DESIGN.md section 11), as the server would.
            nv = VOTES_PER_POST + dv
            hotness = math.log10(max(1, nv + 1)) + at.timestamp() / 45000
            path = f"{self.rng.choice(PATHS)}/{pid}"
            # ... and the SHA-256 of its normalised link (DESIGN.md section 14; `news::links`).
            url_key = hashlib.sha256(f"example.com/{path}".encode()).hexdigest()
            # ... and its site (`news::links::site`), which search indexes beside the title.
            posts.append((pid, f"Bench post {pid}: {self.rng.choice(TITLES)}",
                          f"https://example.com/{path}", uid, t, t, nv, hotness, url_key, "example.com"))
            for k in range(COMMENTS_PER_POST + dc):
                self.comments += 1
                text = self.rng.choice(COMMENTS)
                comments.append((self.comments, text, comment_html(text), self.rng.randint(1, self.users),
                                 pid, self.ts(at + timedelta(seconds=30 + k))))
            for voter in self.rng.sample(range(1, self.users + 1), nv):
                votes.append((voter, pid, self.ts(at + timedelta(seconds=40))))
        self.db.copy("posts", ["id", "title", "post_url", "user_id", "created_at", "updated_at",
                               "vote_count", "hotness", "url_key", "site"], posts)
        self.db.copy("comments", ["id", "comment_text", "comment_html", "user_id", "post_id", "created_at"],
                     comments)
        self.db.copy("votes", ["user_id", "post_id", "created_at"], votes)
        self.db.copy("post_tags", ["post_id", "tag_id"],
                     [(pid, tag) for pid in range(first, n + 1) for tag in self.tags_of(pid)])
        # ... and the counts of tag sets the server keeps with every post (`storage::tags`): every
        # non-empty set within each post's tags, ids ascending, 0 for each missing.
        for pid in range(first, n + 1):
            tags = self.tags_of(pid)
            for mask in range(1, 1 << len(tags)):
                members = [t for i, t in enumerate(tags) if mask & (1 << i)]
                key = tuple(members + [0] * (3 - len(members)))
                self.tag_sets[key] = self.tag_sets.get(key, 0) + 1
        self.db.replace_counts(self.tag_sets)
        self.posts = n
        self.db.finish_load()

    def load_thread(self, pid, n, deepest):
        """n more comments on post pid as one thread: chains from top level down to depth
        `deepest`, one after another, each comment answering the latest one a level up."""
        self.sync_ids()
        at = self.now - timedelta(hours=1)
        rows, latest = [], {}
        for k in range(n):
            depth = k % (deepest + 1)
            self.comments += 1
            text = COMMENTS[k % len(COMMENTS)]
            rows.append((self.comments, text, comment_html(text), self.rng.randint(1, self.users), pid,
                         latest.get(depth - 1), depth, self.ts(at + timedelta(seconds=k))))
            latest[depth] = self.comments
        self.db.copy("comments", ["id", "comment_text", "comment_html", "user_id", "post_id", "parent_id",
                                  "depth", "created_at"], rows)
        self.db.finish_load()


def comment_html(text):
    """What the server renders for a comment of plain words (every bench comment is one): a
    paragraph, escaped. Written by the bulk load so the server has nothing to render at start."""
    return "<p>" + html.escape(text, quote=False) + "</p>\n"


TITLES = ["Rust 2024 edition is out", "SQLite is not a toy database", "How HTTP cookies really work",
          "PostgreSQL internals, part 3", "A tour of io_uring", "Why we left microservices",
          "Show JTN: a tiny link aggregator", "The case for boring technology"]
PATHS = ["blog", "articles", "news", "posts", "p"]
COMMENTS = ["Great read, thanks for sharing.", "I had no idea about this. Bookmarked.",
            "The section on trade-offs is the best part.", "Does anyone have benchmarks for this?",
            "We switched to this at work last year and never looked back."]


# ---------------------------------------------------------------------------------------------
# wrk

DONE_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_JSON {"requests":%d,"duration_us":%d,"p50":%d,"p99":%d,"max":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def lua_str(s):
    return json.dumps(s)  # a JSON string literal is a valid Lua string literal for our ASCII


def lua_static(method="GET", headers=None, body=None, pause_ms=None):
    """One fixed request. With pause_ms each connection waits that long after each answer before
    its next request (wrk's `delay()`; the wait is not counted in the latency): a paced load."""
    lines = [f"wrk.method = {lua_str(method)}"]
    for k, v in (headers or {}).items():
        lines.append(f"wrk.headers[{lua_str(k)}] = {lua_str(v)}")
    if body is not None:
        lines.append(f"wrk.body = {lua_str(body)}")
    if pause_ms is not None:
        lines.append(f"delay = function() return {int(pause_ms)} end")
    return "\n".join(lines) + "\n" + DONE_LUA


def lua_cycle(reqs):
    """reqs: list of (method, path, headers, body); each thread walks them from a random offset,
    pre-formatted in init() so the per-request Lua cost is one table lookup."""
    items = []
    for method, path, headers, body in reqs:
        h = "{" + ",".join(f"[{lua_str(k)}]={lua_str(v)}" for k, v in headers.items()) + "}"
        b = lua_str(body) if body is not None else "nil"
        items.append(f"{{{lua_str(method)},{lua_str(path)},{h},{b}}}")
    return ("local spec = {\n" + ",\n".join(items) + "\n}\n"
            "local reqs = {}\nlocal i = 0\n"
            "init = function(args)\n"
            "  for k, r in ipairs(spec) do reqs[k] = wrk.format(r[1], r[2], r[3], r[4]) end\n"
            "  math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(string.sub(tostring({}), -6), 16))\n"
            "  i = math.random(#reqs)\n"
            "end\n"
            "request = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n" + DONE_LUA)


def wrk(name, lua, conns=CONNS, threads=2, duration=DURATION, warmup=WARMUP, timeout="5s",
        path="/", background=False):
    script = os.path.join(WORK, f"{re.sub(r'[^a-z0-9]+', '_', name.lower())}.lua")
    with open(script, "w") as f:
        f.write(lua)
    url = f"http://127.0.0.1:{PORT}{path}"
    if warmup:
        subprocess.run(["wrk", f"-t{threads}", f"-c{conns}", f"-d{warmup}s", "--timeout", timeout,
                        "-s", script, url], capture_output=True, check=True)
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--timeout", timeout,
           "-s", script, url]
    if background:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    srv = Server.current
    cpu0, cs0, busy0, kids0 = srv.cpu_s(), srv.ctx_switches(), machine_busy_s(), children_cpu_s()
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - t0
    cpu = srv.cpu_s() - cpu0
    r = parse_wrk(name, out, cpu, srv.ctx_switches() - cs0)
    # CPU (in cores) used by everything but this server and wrk: other work on the machine
    # (and, with `postgres`, the PostgreSQL server itself).
    wrk_cpu = children_cpu_s() - kids0
    r["other_cores"] = (machine_busy_s() - busy0 - cpu - wrk_cpu) / wall
    r["server_cores"] = cpu / wall
    r["wrk_us"] = wrk_cpu * 1e6 / max(r["requests"], 1)
    return r


def answer_lookups():
    """(hits, misses) of the rendered-answer cache so far, from the server's /metrics."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", PORT + 1, timeout=2)
        c.request("GET", "/metrics")
        text = c.getresponse().read().decode()
        c.close()
    except OSError:
        return None
    found = {}
    for m in re.finditer(r'cache_lookups_total\{cache="answers",result="(hit|miss)"\} (\d+)', text):
        found[m.group(1)] = int(m.group(2))
    return (found["hit"], found["miss"]) if len(found) == 2 else None


def uncached(name, lua, path):
    """wrk() of a scenario meant to miss the answer cache, with the share of its lookups that
    were answered from memory anyway (`cached` in the result)."""
    before = answer_lookups()
    r = wrk(name, lua, path=path)
    after = answer_lookups()
    if before and after:
        hits, misses = after[0] - before[0], after[1] - before[1]
        r["cached"] = hits / max(hits + misses, 1)
        log(f"{name}: {r['cached']:.1%} of answer-cache lookups hit (warm-up included)")
    return r


def random_posts(rng, posts, cookies, n):
    """A script of n requests for post pages drawn at random over all `posts`, logged in as the
    API users in turn (each viewer's copy is its own answer: the cache rarely holds the one asked
    for). The ids travel as one string, split in init(): a table of that many requests written
    out would pass the limit on one Lua function's constants."""
    ids = ",".join(str(rng.randint(1, posts)) for _ in range(n))
    jar = "{" + ",".join(lua_str(c) for c in cookies) + "}"
    return (f"local ids = {lua_str(ids)}\nlocal jar = {jar}\n"
            "local reqs = {}\nlocal i = 0\n"
            "init = function(args)\n"
            "  local k = 0\n"
            "  for id in string.gmatch(ids, '%d+') do\n"
            "    k = k + 1\n"
            "    reqs[k] = wrk.format('GET', '/api/posts/' .. id, {['Cookie'] = jar[k % #jar + 1]})\n"
            "  end\n"
            "  math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(string.sub(tostring({}), -6), 16))\n"
            "  i = math.random(#reqs)\n"
            "end\n"
            "request = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n" + DONE_LUA)


def toggles_over(rng, posts, cookies, n):
    """n votes on posts drawn at random over all `posts`, each followed by its unvote, so every
    request writes however many times the list is cycled."""
    out = []
    for k in range(n):
        vote = (f"/api/posts/{rng.randint(1, posts)}/vote", {"Cookie": cookies[k % len(cookies)]})
        out += [("PUT", vote[0], vote[1], None), ("DELETE", vote[0], vote[1], None)]
    return out


def machine_busy_s():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def children_cpu_s():
    import resource
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def parse_wrk(name, out, cpu_s=None, ctx=None):
    m = re.search(r"BENCH_JSON (\{.*\})", out)
    if not m:
        raise SystemExit(f"wrk output without summary for {name}:\n{out}")
    j = json.loads(m.group(1))
    r = {
        "name": name,
        "rps": j["requests"] / (j["duration_us"] / 1e6),
        "p50_ms": j["p50"] / 1000,
        "p99_ms": j["p99"] / 1000,
        "errors": j["status"] + j["connect"] + j["read"] + j["write"] + j["timeout"],
        "requests": j["requests"],
        "raw": j,
        "cpu_us": cpu_s * 1e6 / max(j["requests"], 1) if cpu_s is not None else None,
        "ctx": ctx / max(j["requests"], 1) if ctx is not None else None,
    }
    log(f"{name}: {r['rps']:.0f} req/s, p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, "
        f"errors {r['errors']}" + (f", server CPU {r['cpu_us']:.0f} µs/req, {r['ctx']:.1f} context switches/req"
                                    if r["cpu_us"] is not None else ""))
    return r


# ---------------------------------------------------------------------------------------------


def main():
    t_start = time.time()
    db = SqliteDb() if BACKEND == "sqlite" else PostgresDb()
    results = {}
    info = {}
    try:
        run(db, results, info)
    finally:
        if os.environ.get("BENCH_KEEP"):
            log(f"kept {WORK} (and database {db.url})")
        else:
            db.drop()
    info["total_s"] = time.time() - t_start
    try:
        with open(os.path.join(WORK, "server.log"), errors="replace") as f:
            log_text = f.read()
    except OSError:
        log_text = ""
    info["locked"] = log_text.count("database is locked")
    info["log_warnings"] = sum(1 for line in log_text.splitlines() if "WARN" in line or "ERROR" in line)
    report(results, info)
    if not os.environ.get("BENCH_KEEP"):
        shutil.rmtree(WORK, ignore_errors=True)


def run(db, results, info):
    # -- phase 0: learn the row shapes from the API itself --------------------------------
    log(f"phase 0: fresh {BACKEND} database, {API_USERS} sign-ups through the API (bcrypt cost 12)")
    srv = Server(db.url, "phase 0 sign-ups").start()
    info["ready_empty_ms"] = srv.ready_ms
    cookies = []
    for i in range(1, API_USERS + 1):
        _, cookie = call("POST", "/api/users",
                         {"username": f"Bench_Api_{i}", "email": f"bench.api.{i}@example.com",
                          "password": PASSWORD})
        cookies.append(cookie)
    post, _ = call("POST", "/api/posts", {"title": "Benchmark: the first post",
                                          "post_url": "https://example.com/first"}, cookies[0])
    call("POST", "/api/comments", {"post_id": post["id"], "comment_text": "First comment."}, cookies[1])
    call("PUT", f"/api/posts/{post['id']}/vote", cookie=cookies[2])
    srv.stop()

    log("schema as migrated:\n" + db.schema())
    users = db.rows("SELECT id, username, username_key, email, password_hash, created_at FROM users ORDER BY id")
    log(f"API-written user row: {users[0][:4]} hash={users[0][4][:7]}... created_at={users[0][5]!r}")
    prow = db.rows("SELECT id, title, post_url, user_id, created_at, updated_at FROM posts")[0]
    crow = db.rows("SELECT id, comment_text, user_id, post_id, created_at FROM comments")[0]
    vrow = db.rows("SELECT user_id, post_id, created_at FROM votes")[0]
    log(f"API-written post {prow}\n    comment {crow}\n    vote {vrow}")
    shape = Shape(str(users[0][5]))
    for sample in (prow[4], prow[5], crow[4], vrow[2]):
        s2 = Shape(str(sample))
        if (s2.sep, s2.suffix) != (shape.sep, shape.suffix):
            raise SystemExit(f"timestamp formats differ: {shape.sample!r} vs {sample!r}")
    learned = {
        "shape": shape,
        "key_is_lower": all(u[2] == u[1].lower() for u in users),
        "hashes": [u[4] for u in users],
        "max_user": max(int(u[0]) for u in users),
        "max_post": int(prow[0]),
        "max_comment": int(crow[0]),
    }
    if not all(u[3] == u[3].lower() for u in users):
        raise SystemExit("emails not stored lower-case?")
    if not learned["key_is_lower"]:
        raise SystemExit(f"username_key is not lower(username): {users[0]}")
    loader = Loader(db, learned)

    # -- phase 1: 1,000 posts ------------------------------------------------------------
    t = time.perf_counter()
    loader.load_users(USERS)
    loader.load_tags()
    loader.load_posts(1000, minutes_apart=60)
    log(f"phase 1: loaded 1,000 users / 1,000 posts in {time.perf_counter() - t:.1f} s")
    srv = Server(db.url, "1k posts").start()
    db.settle()
    results["g1k"] = wrk("(g) posts page 1 @ 1k posts", lua_static(headers={"Cookie": cookies[0]}),
                         path="/api/posts?page=1")
    results["g1k_hot"] = wrk("(g) hot page 1 @ 1k posts", lua_static(headers={"Cookie": cookies[0]}),
                             path="/api/posts?sort=hot&page=1")
    srv.stop()

    # -- phase 2: the 10,000-post dataset: scenarios (a)-(f) -----------------------------
    t = time.perf_counter()
    loader.load_posts(10000, minutes_apart=6)
    # One post's thread grown to THREAD comments, up to 8 deep (DESIGN.md section 12).
    info["thread_post"] = loader.posts // 2
    have = int(db.rows(f"SELECT count(*) FROM comments WHERE post_id = {info['thread_post']}")[0][0])
    loader.load_thread(info["thread_post"], THREAD - have, deepest=8)
    info["five_post"] = int(db.rows("SELECT post_id FROM comments GROUP BY post_id HAVING count(*) = 5 "
                                    "ORDER BY post_id LIMIT 1")[0][0])
    info["load_10k_s"] = time.perf_counter() - t
    counts = {tb: int(db.rows(f"SELECT count(*) FROM {tb}")[0][0])
              for tb in ("users", "posts", "comments", "votes")}
    info["counts"] = counts
    log(f"phase 2: loaded to {counts} in {info['load_10k_s']:.1f} s")
    srv = Server(db.url, "10k cold start").start()
    info["ready_10k_ms"] = srv.ready_ms
    info["idle_rss_kib"] = srv.idle_rss_kib
    # Start-to-ready is noisy on a shared machine: take the median of 3 cold starts.
    readies = [srv.ready_ms]
    for _ in range(2):
        srv.stop()
        srv = Server(db.url, "10k cold start").start()
        readies.append(srv.ready_ms)
    info["ready_10k_all"] = readies
    info["ready_10k_ms"] = statistics.median(readies)
    info["idle_rss_kib"] = srv.idle_rss_kib
    srv.label = "10k: scenarios (a)-(f)"
    db.settle()
    log(f"start-to-ready on 10k posts: {readies} ms; idle RSS {srv.idle_rss_kib} KiB")

    # (a) and (b) are the yardsticks of every ratio and the cheapest requests, so the most
    # sensitive to the machine's moods (runs minutes apart differed by a quarter): three
    # alternating runs each, and the median run of each counts.
    runs = {"a": [], "b": []}
    for _ in range(3):
        runs["a"].append(wrk("(a) session, anonymous", lua_static(), path="/api/session"))
        runs["b"].append(wrk("(b) session, logged in", lua_static(headers={"Cookie": cookies[0]}),
                             path="/api/session"))
    for k, rs in runs.items():
        results[k] = sorted(rs, key=lambda r: r["rps"])[1]
        results[k]["name"] += " (median of 3)"
        info[f"runs_{k}"] = [r["rps"] for r in rs]
    results["c"] = wrk("(c) posts page 1, logged in", lua_static(headers={"Cookie": cookies[0]}),
                       path="/api/posts?page=1")
    rng = random.Random(11)
    results["d"] = wrk("(d) post by random id", lua_cycle(
        [("GET", f"/api/posts/{rng.randint(1, loader.posts)}", {}, None) for _ in range(2000)]),
        path="/api/posts/1")
    # (l): the post page of issue 27, nothing kept: ids over the whole table, eight viewers.
    # Runs of (l) minutes apart have differed by half on this machine (the server's CPU per
    # request, not other load): three runs, and the median counts. Each run draws its own ids,
    # so none finds what the one before it left in the cache.
    runs_l = [uncached("(l) post page, random over 10k posts, logged in",
                       random_posts(rng, loader.posts, cookies, RANDOM_POSTS), path="/api/posts/1")
              for _ in range(3)]
    results["l"] = sorted(runs_l, key=lambda r: r["rps"])[1]
    results["l"]["name"] += " (median of 3)"
    info["runs_l"] = [r["rps"] for r in runs_l]
    writes = []
    for k in range(4000):
        writes.append(("PUT" if k % 2 == 0 else "DELETE", f"/api/posts/{rng.randint(1, loader.posts)}/vote",
                       {"Cookie": cookies[k % len(cookies)]}, None))
    results["e"] = wrk("(e) vote/unvote writes", lua_cycle(writes), path="/api/posts/1/vote")
    # Each vote followed by its unvote, so every write changes something, however many times the
    # list is cycled. Cycling (e)'s list, every write after its first pass (the first 4,000
    # requests) is a vote already there or an unvote of none, answered without a write: (e)
    # measures mostly that path. (e) "each a change", below, measures the same 64 connections where
    # every request writes.
    toggles = toggles_over(rng, loader.posts, cookies, 2000)
    # Not a target: page 1 while votes are written beside it (4 connections), so that most reads
    # find the rendered page just forgotten and read the database (the cost behind the cache).
    bg = wrk("writes beside", lua_cycle(toggles), conns=4, threads=1, duration=DURATION + 1, warmup=0,
             path="/api/posts/1/vote", background=True)
    time.sleep(0.5)
    results["c_w"] = wrk("(c) page 1 while votes are written", lua_static(headers={"Cookie": cookies[0]}),
                         path="/api/posts?page=1", warmup=0)
    results["c_w_writes"] = parse_wrk("(e) votes written beside (c), 4 connections", bg.communicate()[0])
    results["h"] = wrk("(h) hot page 1, logged in", lua_static(headers={"Cookie": cookies[0]}),
                       path="/api/posts?sort=hot&page=1")
    results["i"] = wrk(f"(i) post with a {THREAD}-comment thread, 8 deep", lua_static(),
                       path=f"/api/posts/{info['thread_post']}")
    results["i5"] = wrk("(i) post with 5 comments", lua_static(), path=f"/api/posts/{info['five_post']}")
    # One title in eight matches: 1,250 of the 10,000 posts ranked for page 1.
    results["j"] = wrk("(j) search, two words (1,250 matches)", lua_static(),
                       path="/api/search?q=boring%20technology")
    # Not targets: the same search's cost when it is not kept. Different queries each time
    # (one word of a title and a post number: 5,000 queries, each read about twice), and the
    # one query while votes are written beside it, so that most reads find it just forgotten.
    cold = [("GET", f"/api/search?q={rng.choice(['boring', 'sqlite', 'cookies', 'microservices'])}"
                    f"%20{rng.randint(1, loader.posts)}", {}, None) for _ in range(5000)]
    results["j_cold"] = wrk("(j) search, a different query each time", lua_cycle(cold), path="/api/search?q=x")
    bg = wrk("writes beside search", lua_cycle(toggles), conns=4, threads=1, duration=DURATION + 1, warmup=0,
             path="/api/posts/1/vote", background=True)
    time.sleep(0.5)
    results["j_w"] = wrk("(j) search while votes are written", lua_static(),
                         path="/api/search?q=boring%20technology", warmup=0)
    results["j_w_writes"] = parse_wrk("(e) votes written beside (j), 4 connections", bg.communicate()[0])
    results["k"] = wrk("(k) hot Atom feed, 30 entries", lua_static(), path="/feeds/hot.atom")
    results["g10k"] = wrk("(g) posts page 1 @ 10k posts", lua_static(headers={"Cookie": cookies[0]}),
                          path="/api/posts?page=1")
    # Issue 29: a reader who filters 3 tags, hid 50 posts and muted 5 people, through the API.
    info["shaped"] = shape_reader(cookies[1])
    shaped_rows(results, cookies[1], "10k", toggles)
    info["plan_shaped"] = explain_shaped(db, info["shaped"])
    # (m), issue 27: (e)'s 64 connections where every request writes, posts drawn over the whole
    # table. Last on this table, so the rows above run on the table earlier issues' rows ran on,
    # not after ~30,000 more writes.
    results["e_changes"] = wrk("(m) votes that each change something, over 10k posts", lua_cycle(toggles),
                               path="/api/posts/1/vote")
    inbox_rows(results, info, db, cookies)
    token_rows(results, cookies)
    passkey_rows(results, info, srv, cookies)

    # (f) one hash's time: sequential logins (the server does nothing else meanwhile)
    times = []
    cpu0 = srv.cpu_s()
    for _ in range(7):
        t = time.perf_counter()
        call("POST", "/api/users/login", {"email": "bench_user_100@example.com", "password": PASSWORD})
        times.append(time.perf_counter() - t)
    info["login_seq_s"] = times
    info["login_wall_s"] = statistics.median(times)
    # The server's own CPU per login is one hash plus a few DB statements; unlike wall time it
    # does not grow when other processes take the core away.
    info["hash_s"] = (srv.cpu_s() - cpu0) / len(times)
    log(f"sequential login wall times (s): {[round(x, 3) for x in times]}; server CPU per login "
        f"{info['hash_s'] * 1000:.0f} ms = one hash")
    storm = [("POST", "/api/users/login", {"Content-Type": "application/json"},
              json.dumps({"email": f"bench_user_{u}@example.com", "password": PASSWORD}))
             for u in range(200, 1000)]
    storm_lua = lua_cycle(storm)
    # No warm-up for the storm: a login takes seconds under a 16-deep queue, and requests wrk
    # abandons at the end of a run keep hashing on the server, so each storm is followed by a
    # pause that lets the server drain before the next measurement.
    storm_s = max(12, DURATION + WARMUP + 2)
    results["f_alone"] = wrk("(f) login storm alone", storm_lua, conns=16, threads=1, duration=storm_s,
                             warmup=0, timeout="30s", path="/api/users/login")
    time.sleep(4)
    # the storm beside (b): (b) starts 1 s into the storm and ends before it does
    bg = wrk("storm", storm_lua, conns=16, threads=1, duration=storm_s, warmup=0,
             timeout="30s", path="/api/users/login", background=True)
    time.sleep(1)
    results["f_b"] = wrk("(f) (b) during the storm", lua_static(headers={"Cookie": cookies[0]}),
                         path="/api/session", duration=min(DURATION, storm_s - WARMUP - 2))
    results["f"] = parse_wrk("(f) login storm beside (b)", bg.communicate()[0])
    time.sleep(4)
    # The same with (b) paced rather than flat out: each connection pauses PACE_MS after each
    # answer, so (b) is steady traffic that leaves most of the machine to the storm.
    paced = lua_static(headers={"Cookie": cookies[0]}, pause_ms=PACE_MS)
    results["bp"] = wrk(f"(b) paced ({PACE_MS} ms pause per connection)", paced, path="/api/session")
    bg = wrk("storm", storm_lua, conns=16, threads=1, duration=storm_s, warmup=0,
             timeout="30s", path="/api/users/login", background=True)
    time.sleep(1)
    results["f_bp"] = wrk("(f) paced (b) during the storm", paced, path="/api/session", warmup=0,
                          duration=min(DURATION, storm_s - 2))
    results["fp"] = parse_wrk("(f) login storm beside paced (b)", bg.communicate()[0])
    time.sleep(4)
    results["b_after"] = wrk("(b) session, logged in, after storm",
                             lua_static(headers={"Cookie": cookies[0]}), path="/api/session", warmup=1)
    info["plan"] = explain_list(db)
    srv.stop()

    # -- phase 3: 100,000 posts ----------------------------------------------------------
    t = time.perf_counter()
    loader.load_posts(100000, minutes_apart=1)
    info["load_100k_s"] = time.perf_counter() - t
    log(f"phase 3: loaded to 100,000 posts in {info['load_100k_s']:.1f} s")
    srv = Server(db.url, "100k posts").start()
    db.settle()
    results["g100k"] = wrk("(g) posts page 1 @ 100k posts", lua_static(headers={"Cookie": cookies[0]}),
                           path="/api/posts?page=1")
    results["g100k_hot"] = wrk("(g) hot page 1 @ 100k posts", lua_static(headers={"Cookie": cookies[0]}),
                               path="/api/posts?sort=hot&page=1")
    shaped_rows(results, cookies[1], "100k", toggles_over(rng, loader.posts, cookies, 2000))
    info["plan_shaped_100k"] = explain_shaped(db, info["shaped"])
    results["l100k"] = uncached("(l) post page, random over 100k posts, logged in",
                                random_posts(rng, loader.posts, cookies, RANDOM_POSTS), path="/api/posts/1")
    results["m100k"] = wrk("(m) votes that each change something, over 100k posts",
                           lua_cycle(toggles_over(rng, loader.posts, cookies, 4000)), path="/api/posts/1/vote")
    srv.stop()
    info["peak_rss_kib"] = Server.peak_kib


def inbox_rows(results, info, db, cookies):
    """Issue 28: a reader (cookies[2]) with 50 unread notifications, replies to their comment by
    five others: their session check (the header's count), their inbox's page 1, and replies by
    the five written at once on 64 connections, none of whose notifications may be lost."""
    reader, writers = cookies[2], cookies[3:8]
    asked, _ = call("POST", "/api/posts", {"title": "Benchmark: ask the readers",
                                           "text": "What do you run in production?"}, reader)
    top, _ = call("POST", "/api/comments", {"post_id": asked["id"], "comment_text": "My answer first."}, reader)

    def reply(k):
        return {"post_id": asked["id"], "parent_id": top["id"], "comment_text": f"Answer {k}"}

    for k in range(50):
        call("POST", "/api/comments", reply(k), writers[k % len(writers)])

    def unread():
        me, _ = call("GET", "/api/session", cookie=reader)
        return me["user"]["unread"]

    if unread() != 50:
        raise SystemExit(f"the reader has {unread()} unread notifications, not 50")
    results["p"] = wrk("(p) session, logged in, 50 unread", lua_static(headers={"Cookie": reader}),
                       path="/api/session")
    results["q"] = wrk("(q) inbox page 1, 50 unread", lua_static(headers={"Cookie": reader}),
                       path="/api/notifications")
    count_sql = f"SELECT count(*) FROM comments WHERE post_id = {asked['id']}"
    comments_before, unread_before = int(db.rows(count_sql)[0][0]), unread()
    replies = [("POST", "/api/comments", {"Cookie": writers[k % len(writers)], "Content-Type": "application/json"},
                json.dumps(reply(k))) for k in range(2000)]
    results["r"] = wrk("(r) replies to one comment by 5 writers at once", lua_cycle(replies), path="/api/comments")
    written = int(db.rows(count_sql)[0][0]) - comments_before
    info["r_counted"] = (written, unread() - unread_before)
    log(f"(r): {written} replies written, the reader's unread count grew by {info['r_counted'][1]}")


def token_rows(results, cookies):
    """Issue 30: a program with a personal API token (no cookie): its profile and page 1."""
    made, _ = call("POST", "/api/users/me/tokens", {"name": "bench", "scopes": ["read", "write"],
                                                    "expires_in_days": None, "password": PASSWORD}, cookies[0])
    bearer = {"Authorization": f"Bearer {made['token']}"}
    results["s"] = wrk("(s) profile with a token", lua_static(headers=bearer), path="/api/users/me")
    results["t"] = wrk("(t) posts page 1 with a token", lua_static(headers=bearer), path="/api/posts?page=1")


def passkey_rows(results, info, srv, cookies):
    """Issue 31: logins with a passkey (cookies[1]'s person registers one through the API). Each
    login is its two requests — the options, then the signed credential — made one after another
    on the idle server, as (f)'s one-hash row is; the server's CPU per login beside a bcrypt
    login's is the figure. The signing happens in this process, on the same machine."""
    from passkey import Passkey

    key = Passkey(f"http://localhost:{PORT}")
    options, _ = call("POST", "/api/users/me/passkeys/registration", {"password": PASSWORD}, cookies[1])
    call("POST", "/api/users/me/passkeys", {"name": "bench", "credential": key.register(options)}, cookies[1])
    rounds, times, cpu = 300, [], 0.0
    for _ in range(rounds):
        t = time.perf_counter()
        options, _ = call("POST", "/api/session/passkey/options")
        signed = key.assert_(options)
        cpu0 = srv.cpu_s()
        _, cookie = call("POST", "/api/session/passkey", {"credential": signed})
        cpu += srv.cpu_s() - cpu0
        times.append(time.perf_counter() - t)
        if not cookie:
            raise SystemExit("a passkey login answered no session cookie")
    # The options' CPU too: measured apart, as the signing between the two requests is this
    # process's, not the server's.
    cpu0 = srv.cpu_s()
    for _ in range(rounds):
        call("POST", "/api/session/passkey/options")
    cpu += srv.cpu_s() - cpu0
    info["passkey_s"] = cpu / rounds
    info["passkey_wall_s"] = statistics.median(times)
    log(f"passkey login: {info['passkey_s'] * 1e6:,.0f} µs of server CPU per login (options + login), "
        f"median wall {info['passkey_wall_s'] * 1000:.1f} ms incl. signing here")


def shape_reader(cookie):
    """The reader of issue 29's rows: filters FILTERED, hides the first 50 posts of hot page 1
    it is still shown, then mutes the authors of the first 5 it is shown after that."""
    me, _ = call("GET", "/api/session", cookie=cookie)
    call("PUT", "/api/users/me/filters", {"tags": FILTERED}, cookie)
    shown, _ = call("GET", "/api/posts?sort=hot&per_page=50", cookie=cookie)
    for post in shown["posts"]:
        call("PUT", f"/api/posts/{post['id']}/hide", cookie=cookie)
    shown, _ = call("GET", "/api/posts?sort=hot&per_page=100", cookie=cookie)
    muted = []
    for post in shown["posts"]:
        name = post["author"]["username"]
        if name not in muted and name != me["user"]["username"]:
            call("PUT", f"/api/users/{name}/mute", cookie=cookie)
            muted.append(name)
        if len(muted) == 5:
            break
    page, _ = call("GET", "/api/posts?sort=hot", cookie=cookie)
    left = [t for p in page["posts"] for t in p["tags"] if t in FILTERED]
    if left or len(muted) != 5:
        raise SystemExit(f"the shaped reader still sees {left} (muted {muted})")
    log(f"shaped reader {me['user']['username']} (id {me['user']['id']}): filters {FILTERED}, 50 hidden, "
        f"muted {muted}; hot total {page['total']}")
    return {"user_id": me["user"]["id"]}


def shaped_rows(results, cookie, size, toggles):
    """Issue 29's rows: the shaped reader's hot page 1, and a tag's page (hot, anonymous); then
    the shaped page again while votes are written beside it (not a target), so that most reads
    find it just forgotten and read the database: what the filters cost the storage path."""
    results[f"n{size}"] = wrk(f"(n) hot page 1, logged in, 3 tags filtered / 50 hidden / 5 muted, {size} posts",
                              lua_static(headers={"Cookie": cookie}), path="/api/posts?sort=hot&page=1")
    results[f"o{size}"] = wrk(f"(o) tag page (hot, page 1, anonymous), {size} posts", lua_static(),
                              path="/api/posts?tag=rust&sort=hot&page=1")
    bg = wrk("writes beside", lua_cycle(toggles), conns=4, threads=1, duration=DURATION + 1, warmup=0,
             path="/api/posts/1/vote", background=True)
    time.sleep(0.5)
    results[f"n{size}_w"] = wrk(f"(n) shaped hot page 1 while votes are written, {size} posts",
                                lua_static(headers={"Cookie": cookie}), path="/api/posts?sort=hot&page=1", warmup=0)
    results[f"n{size}_w_writes"] = parse_wrk(f"(e) votes written beside (n), {size} posts, 4 connections",
                                             bg.communicate()[0])


# What `storage::posts` builds for the shaped reader's hot page 1 (placeholders filled in).
SHAPED_SQL = ("SELECT posts.id, posts.title, NULLIF(posts.post_url, '') AS post_url, users.username, "
              "(SELECT GROUP_CONCAT(t.name) FROM post_tags pt JOIN tags t ON t.id = pt.tag_id "
              "WHERE pt.post_id = posts.id) AS tag_list, "
              "(SELECT COUNT(*) FROM comments WHERE comments.post_id = posts.id AND comments.deleted = false "
              "AND comments.removed_at IS NULL) AS comment_count, "
              "(SELECT COUNT(*) FROM votes WHERE votes.post_id = posts.id AND votes.user_id = {u}) AS viewer_votes, "
              "(SELECT COUNT(*) FROM saved_posts WHERE saved_posts.post_id = posts.id "
              "AND saved_posts.user_id = {u}) AS viewer_saves "
              "FROM posts INNER JOIN users ON posts.user_id = users.id WHERE posts.removed_at IS NULL "
              "AND NOT EXISTS (SELECT post_id FROM post_tags WHERE post_tags.tag_id IN "
              "(SELECT tag_id FROM tag_filters WHERE user_id = {u}) AND post_tags.post_id = posts.id) "
              "AND NOT EXISTS (SELECT 1 FROM hidden_posts WHERE hidden_posts.user_id = {u} "
              "AND hidden_posts.post_id = posts.id) "
              "AND NOT EXISTS (SELECT 1 FROM muted_users WHERE muted_users.user_id = {u} "
              "AND muted_users.muted_id = posts.user_id) "
              "ORDER BY posts.hotness DESC, posts.id DESC LIMIT 20 OFFSET 0")

# ... and its total: the kept count, less the posts of the filtered tags by inclusion-exclusion
# over the counts of tag sets, less two counts over the reader's own index ranges.
KEEPS = ("NOT EXISTS (SELECT post_id FROM post_tags WHERE post_tags.tag_id IN "
         "(SELECT tag_id FROM tag_filters WHERE user_id = {u}) AND post_tags.post_id = posts.id)")
FILTERED_IDS = "(SELECT tag_id FROM tag_filters WHERE user_id = {u})"
SHAPED_TOTAL_SQL = ("SELECT (SELECT shown FROM post_totals WHERE id = 1) "
                    "- (SELECT COALESCE(SUM(CASE WHEN tag_b = 0 THEN shown WHEN tag_c = 0 THEN -shown ELSE shown END), 0) "
                    f"FROM tag_set_counts WHERE tag_a IN {FILTERED_IDS} AND (tag_b = 0 OR tag_b IN {FILTERED_IDS}) "
                    f"AND (tag_c = 0 OR tag_c IN {FILTERED_IDS})) "
                    "- (SELECT COUNT(*) FROM hidden_posts INNER JOIN posts ON posts.id = hidden_posts.post_id "
                    "WHERE hidden_posts.user_id = {u} AND posts.removed_at IS NULL AND NOT EXISTS "
                    "(SELECT 1 FROM muted_users WHERE muted_users.user_id = {u} AND muted_users.muted_id = posts.user_id) "
                    f"AND {KEEPS}) "
                    "- (SELECT COUNT(*) FROM muted_users INNER JOIN posts ON posts.user_id = muted_users.muted_id "
                    f"WHERE muted_users.user_id = {{u}} AND posts.removed_at IS NULL AND {KEEPS})")


def explain_shaped(db, shaped):
    """Query plans of the shaped reader's hot page 1 and its total."""
    out = {}
    agg = "string_agg(t.name, ',')" if BACKEND == "postgres" else "GROUP_CONCAT(t.name)"
    for name, sql in (("list", SHAPED_SQL), ("total", SHAPED_TOTAL_SQL)):
        sql = sql.replace("{u}", str(shaped["user_id"])).replace("GROUP_CONCAT(t.name)", agg)
        try:
            out[name] = db.explain(sql)
        except Exception as e:  # noqa: BLE001 - diagnostic only
            out[name] = [(str(e),)]
    return out


LIST_SQL = ("SELECT posts.id, posts.title, posts.post_url, posts.created_at, posts.updated_at, "
            "posts.user_id, posts.vote_count, posts.hotness, users.username, "
            "(SELECT COUNT(*) FROM comments WHERE comments.post_id = posts.id AND comments.deleted = false "
            "AND comments.removed_at IS NULL) AS comment_count, "
            "(SELECT COUNT(*) FROM votes WHERE votes.post_id = posts.id AND votes.user_id = 1) AS viewer_votes "
            "FROM posts INNER JOIN users ON posts.user_id = users.id WHERE posts.removed_at IS NULL "
            "ORDER BY posts.created_at DESC, posts.id DESC LIMIT 20 OFFSET 0")


def explain_list(db):
    """Query plans of the page-1 listing (the statement news/posts.rs builds) and its total."""
    out = {}
    for name, sql in (("list", LIST_SQL), ("total", "SELECT shown FROM post_totals WHERE id = 1")):
        try:
            out[name] = db.explain(sql)
        except Exception as e:  # noqa: BLE001 - diagnostic only
            out[name] = [(str(e),)]
    return out


def report(R, info):
    a = R["a"]["rps"]
    hash_target = 2 / info["hash_s"]
    checks = []

    def check(label, ok, detail):
        checks.append((label, "PASS" if ok else "FAIL", detail))

    b = R["b"]["rps"]
    if BACKEND == "sqlite":
        check("(b) ≥ 0.8×(a)", b >= 0.8 * a, f"{b / a:.2f}×")
        for k in ("c", "d"):
            r = R[k]
            check(f"({k}) ≥ 0.5×(a), p99 < 10 ms, 0 errors",
                  r["rps"] >= 0.5 * a and r["p99_ms"] < 10 and r["errors"] == 0,
                  f"{r['rps'] / a:.2f}×, p99 {r['p99_ms']:.1f} ms, {r['errors']} errors")
        e = R["e"]
        check("(e) ≥ 0.25×(a), 0 errors, no `database is locked`",
              e["rps"] >= 0.25 * a and e["errors"] == 0 and info["locked"] == 0,
              f"{e['rps'] / a:.2f}×, {e['errors']} errors, {info['locked']} `database is locked` in the server log")
    else:
        # Issue 16: one indexed round trip is the floor of every request that has a session, so
        # the database server's targets are against (b).
        check("(b) ≥ 0.25×(a), p99 < 20 ms, 0 errors",
              b >= 0.25 * a and R["b"]["p99_ms"] < 20 and R["b"]["errors"] == 0,
              f"{b / a:.3f}×, p99 {R['b']['p99_ms']:.1f} ms, {R['b']['errors']} errors")
        for k, least, what in (("c", 0.5, "new page 1, logged in"), ("h", 0.5, "hot page 1, logged in"),
                               ("d", 0.5, "post by id"), ("e", 0.25, "votes")):
            r = R[k]
            check(f"({k}) {what} ≥ {least}×(b), p99 < 20 ms, 0 errors",
                  r["rps"] >= least * b and r["p99_ms"] < 20 and r["errors"] == 0,
                  f"{r['rps'] / b:.2f}×, p99 {r['p99_ms']:.1f} ms, {r['errors']} errors")
    # Can both (f) targets hold while (b) runs flat out? Logins at 90 % of 2/hash keep 1.8 cores
    # hashing and leave 0.2 for (b): what one (b) request costs during the storm (the server's and
    # wrk's CPU) bounds (b)'s rate, and with 64 connections always waiting Little's law bounds its
    # mean latency from below (p99 ≥ mean). The storm's own requests are left out, in (b)'s favour.
    fb = R["f_b"]
    per_b_us = fb["cpu_us"] + fb["wrk_us"]
    b_max_rps = 2 * (1 - 0.9) / (per_b_us / 1e6)
    mean_ms = CONNS / b_max_rps * 1000
    out_of_reach = mean_ms > 3 * R["b"]["p99_ms"]
    info["f_bound"] = (
        f"logins at 0.9 × 2/hash keep 1.8 cores hashing and leave 0.2; one (b) request during the storm "
        f"costs {fb['cpu_us']:.0f} µs of server CPU + {fb['wrk_us']:.0f} µs of wrk CPU, so (b) could run at "
        f"most {b_max_rps:,.0f} req/s, and with {CONNS} connections always waiting its mean latency would "
        f"be at least {mean_ms:.2f} ms, " + (
            f"over 3 × (b)'s p99 = {3 * R['b']['p99_ms']:.2f} ms: both targets at once are out of reach on "
            "this machine, whatever the server does" if out_of_reach else
            f"within 3 × (b)'s p99 = {3 * R['b']['p99_ms']:.2f} ms: not ruled out by this bound"))
    f = R["f"]["rps"]
    check("(f) logins/s ≥ 0.9 × 2/hash", f >= 0.9 * hash_target,
          f"{f:.2f}/s vs target {0.9 * hash_target:.2f}/s (hash {info['hash_s'] * 1000:.0f} ms; "
          f"storm alone {R['f_alone']['rps']:.2f}/s)"
          + ("; out of reach beside (b) flat out, by the bound below the table" if out_of_reach else ""))
    check("(f) (b) p99 during storm ≤ 3× without", R["f_b"]["p99_ms"] <= 3 * R["b"]["p99_ms"],
          f"{R['f_b']['p99_ms']:.1f} ms vs {R['b']['p99_ms']:.1f} ms = "
          f"{R['f_b']['p99_ms'] / R['b']['p99_ms']:.1f}×")
    fp = R["fp"]["rps"]
    check("(f) paced (b): logins/s ≥ 0.9 × 2/hash", fp >= 0.9 * hash_target,
          f"{fp:.2f}/s vs target {0.9 * hash_target:.2f}/s")
    check("(f) paced (b): p99 during storm ≤ 3× without", R["f_bp"]["p99_ms"] <= 3 * R["bp"]["p99_ms"],
          f"{R['f_bp']['p99_ms']:.2f} ms vs {R['bp']['p99_ms']:.2f} ms = "
          f"{R['f_bp']['p99_ms'] / R['bp']['p99_ms']:.1f}×")
    h, i = R["h"], R["i"]
    if BACKEND == "sqlite":
        check("(h) hot page 1 ≥ 0.5×(a), p99 < 10 ms, 0 errors",
              h["rps"] >= 0.5 * a and h["p99_ms"] < 10 and h["errors"] == 0,
              f"{h['rps'] / a:.2f}×, p99 {h['p99_ms']:.1f} ms, {h['errors']} errors")
        check(f"(i) {THREAD}-comment post ≥ 0.1×(a), 0 errors", i["rps"] >= 0.1 * a and i["errors"] == 0,
              f"{i['rps'] / a:.2f}×, p99 {i['p99_ms']:.1f} ms, {i['errors']} errors")
    else:
        # Against the new page measured after the same vote writes ((g) @ 10k): (c) ran before
        # them, on a posts table without the dead row versions every vote leaves behind, which
        # the page's COUNT(*) then scans.
        new = R["g10k"]
        check("(h) hot page 1 costs no more than the new page on the same table ((g) @ 10k)",
              h["rps"] >= 0.9 * new["rps"] and h["errors"] == 0,
              f"{h['rps'] / new['rps']:.2f}× of the new page; server CPU {h['cpu_us']:,.0f} vs "
              f"{new['cpu_us']:,.0f} µs/req")
    if BACKEND == "sqlite":
        j, k = R["j"], R["k"]
        check("(j) search ≥ 0.1×(a), p99 < 20 ms, 0 errors",
              j["rps"] >= 0.1 * a and j["p99_ms"] < 20 and j["errors"] == 0,
              f"{j['rps'] / a:.2f}×, p99 {j['p99_ms']:.1f} ms, {j['errors']} errors")
        check("(k) hot feed ≥ 0.3×(a), p99 < 20 ms, 0 errors",
              k["rps"] >= 0.3 * a and k["p99_ms"] < 20 and k["errors"] == 0,
              f"{k['rps'] / a:.2f}×, p99 {k['p99_ms']:.1f} ms, {k['errors']} errors")
    check(f"(i) {THREAD}-comment post costs ≤ 3× a 5-comment one", i["rps"] * 3 >= R["i5"]["rps"],
          f"{R['i5']['rps'] / i['rps']:.2f}× the cost")
    check("(g) 100k ≥ 0.7 × 1k", R["g100k"]["rps"] >= 0.7 * R["g1k"]["rps"],
          f"{R['g100k']['rps'] / R['g1k']['rps']:.2f}×")
    check("(g) hot: 100k ≥ 0.7 × 1k", R["g100k_hot"]["rps"] >= 0.7 * R["g1k_hot"]["rps"],
          f"{R['g100k_hot']['rps'] / R['g1k_hot']['rps']:.2f}×")
    # Issue 27: the post page and votes where nothing is cached, ids over the whole table.
    floor, fname, lmin, mmin = (a, "(a)", 0.3, 0.15) if BACKEND == "sqlite" else (b, "(b)", 0.5, 0.3)
    for k, row, least, what in (("l", "l", lmin, "random post page, logged in"),
                                ("e_changes", "m", mmin, "votes that change")):
        r = R[k]
        hit = f", {r['cached']:.0%} answered from the cache" if "cached" in r else ""
        check(f"({row}) {what} ≥ {least}×{fname}, p99 < 20 ms, 0 errors (issue 27)",
              r["rps"] >= least * floor and r["p99_ms"] < 20 and r["errors"] == 0,
              f"{r['rps'] / floor:.2f}×, p99 {r['p99_ms']:.1f} ms, {r['errors']} errors, "
              f"{r['cpu_us']:,.0f} µs server CPU/req{hit}")
    for k10, k100, what in (("l", "l100k", "random post page"), ("e_changes", "m100k", "votes that change")):
        check(f"({k100[0]}) {what}: 100k ≥ 0.8 × 10k (issue 27)", R[k100]["rps"] >= 0.8 * R[k10]["rps"],
              f"{R[k100]['rps'] / R[k10]['rps']:.2f}× ({R[k100]['rps']:,.0f} vs {R[k10]['rps']:,.0f} req/s)")
    # Issue 29: the shaped reader's hot page 1 and a tag's page.
    n_least, o_least = (0.4, 0.5) if BACKEND == "sqlite" else (0.5, None)
    n = R["n10k"]
    check(f"(n) shaped hot page 1 ≥ {n_least}×{fname}" + (", p99 < 10 ms" if BACKEND == "sqlite" else "")
          + ", 0 errors (issue 29)",
          n["rps"] >= n_least * floor and n["errors"] == 0 and (BACKEND != "sqlite" or n["p99_ms"] < 10),
          f"{n['rps'] / floor:.2f}×, p99 {n['p99_ms']:.1f} ms, {n['errors']} errors")
    check("(n) shaped hot page 1: 100k ≥ 0.7 × 10k (issue 29)", R["n100k"]["rps"] >= 0.7 * n["rps"],
          f"{R['n100k']['rps'] / n['rps']:.2f}×")
    if o_least:
        o = R["o10k"]
        check(f"(o) tag page ≥ {o_least}×(a), 0 errors (issue 29)", o["rps"] >= o_least * a and o["errors"] == 0,
              f"{o['rps'] / a:.2f}×, p99 {o['p99_ms']:.1f} ms")
    # Issue 28: the header's count must not cost the session check; the inbox's page 1; replies at once.
    p, q = R["p"], R["q"]
    p_least, q_least, q_floor, q_name = (0.8, 0.3, a, "(a)") if BACKEND == "sqlite" else (0.25, 0.5, b, "(b)")
    check(f"(p) session with 50 unread ≥ {p_least}×(a), 0 errors (issue 28)",
          p["rps"] >= p_least * a and p["errors"] == 0,
          f"{p['rps'] / a:.2f}×, p99 {p['p99_ms']:.1f} ms, {p['cpu_us']:,.0f} µs server CPU/req")
    check(f"(q) inbox page 1 ≥ {q_least}×{q_name}, 0 errors (issue 28)",
          q["rps"] >= q_least * q_floor and q["errors"] == 0,
          f"{q['rps'] / q_floor:.2f}×, p99 {q['p99_ms']:.1f} ms, {q['cpu_us']:,.0f} µs server CPU/req")
    written, counted = info["r_counted"]
    check("(r) replies at once: every reply counted in the reader's unread (issue 28)",
          written == counted and written > 0 and R["r"]["errors"] == 0,
          f"{written} replies written, unread grew by {counted}; {R['r']['rps']:,.0f} req/s, "
          f"p99 {R['r']['p99_ms']:.1f} ms")
    # Issue 30: a program's requests with a personal API token.
    s_, t_ = R["s"], R["t"]
    s_least, t_least, t_floor, t_name = (0.8, 0.5, a, "(a)") if BACKEND == "sqlite" else (0.25, 0.5, b, "(b)")
    check(f"(s) profile with a token ≥ {s_least}×(a), 0 errors (issue 30)",
          s_["rps"] >= s_least * a and s_["errors"] == 0,
          f"{s_['rps'] / a:.2f}×, p99 {s_['p99_ms']:.1f} ms, {s_['cpu_us']:,.0f} µs server CPU/req")
    check(f"(t) page 1 with a token ≥ {t_least}×{t_name}, 0 errors (issue 30)",
          t_["rps"] >= t_least * t_floor and t_["errors"] == 0,
          f"{t_['rps'] / t_floor:.2f}×, p99 {t_['p99_ms']:.1f} ms, {t_['cpu_us']:,.0f} µs server CPU/req")
    # Issue 31: a passkey login (options, then the signed credential) against one bcrypt login.
    check("(u) a passkey login costs under a tenth of a bcrypt login's server CPU (issue 31)",
          info["passkey_s"] < 0.1 * info["hash_s"],
          f"{info['passkey_s'] * 1e6:,.0f} µs vs {info['hash_s'] * 1e6:,.0f} µs "
          f"({info['hash_s'] / info['passkey_s']:,.0f}× less); median wall {info['passkey_wall_s'] * 1000:.1f} ms "
          "incl. the benchmark's own signing")
    check("peak RSS ≤ 64 MiB", info["peak_rss_kib"] <= 64 * 1024, f"{info['peak_rss_kib'] / 1024:.1f} MiB")
    check("idle RSS ≤ 25 MiB", info["idle_rss_kib"] <= 25 * 1024, f"{info['idle_rss_kib'] / 1024:.1f} MiB")
    check("start-to-ready ≤ 300 ms (10k posts)", info["ready_10k_ms"] <= 300,
          f"{info['ready_10k_ms']:.0f} ms (runs: {', '.join(f'{x:.0f}' for x in info['ready_10k_all'])})")

    order = ["a", "b", "c", "h", "n10k", "n100k", "n10k_w", "n10k_w_writes", "n100k_w", "n100k_w_writes", "o10k", "o100k", "d", "i5", "i", "j", "j_cold", "j_w", "j_w_writes", "k", "l", "l100k", "e", "e_changes", "m100k", "p", "q", "r", "s", "t", "c_w", "c_w_writes", "g1k", "g10k", "g100k", "g1k_hot", "g100k_hot", "f_alone", "f", "f_b",
             "b_after", "bp", "fp", "f_bp"]
    out = []
    out.append(f"Just Tech News benchmark — {BACKEND}, load average at the end {os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
               f"{os.cpu_count()} cores, wrk -c{CONNS} (storm -c16), {DURATION} s per scenario after "
               f"{WARMUP} s warm-up")
    c = info["counts"]
    out.append(f"dataset: {c['users']:,} users, {c['posts']:,} posts, {c['comments']:,} comments, "
               f"{c['votes']:,} votes (bulk load {info['load_10k_s']:.1f} s; 100k-post load "
               f"{info['load_100k_s']:.1f} s); bench total {info['total_s']:.0f} s")
    out.append("")
    out.append("| scenario | req/s | p50 ms | p99 ms | errors | server CPU µs/req | ctx switches/req "
               "| server cores | other cores |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for k in order:
        r = R[k]
        cpu = f"{r['cpu_us']:,.0f}" if r["cpu_us"] is not None else "–"
        ctx = f"{r['ctx']:.1f}" if r["ctx"] is not None else "–"
        sc = f"{r['server_cores']:.2f}" if "server_cores" in r else "–"
        oc = f"{r['other_cores']:.2f}" if "other_cores" in r else "–"
        out.append(f"| {r['name']} | {r['rps']:,.1f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} "
                   f"| {cpu} | {ctx} | {sc} | {oc} |")
    out.append("")
    out.append(f"- one bcrypt hash at cost 12: {info['hash_s'] * 1000:.0f} ms of server CPU per sequential "
               f"login (median wall time {info['login_wall_s'] * 1000:.0f} ms) → 2 cores can do "
               f"{hash_target:.2f} logins/s; the storm alone kept {R['f_alone']['server_cores']:.2f} cores busy "
               f"in the server while other processes used {R['f_alone']['other_cores']:.2f}")
    out.append(f"- (f) with (b) flat out: {info['f_bound']}")
    out.append("- (a) and (b), three alternating runs each, and (l), req/s: "
               + "; ".join(f"({k}) " + ", ".join(f"{x:,.0f}" for x in info[f"runs_{k}"]) for k in "abl"))
    out.append(f"- idle RSS after start: {info['idle_rss_kib'] / 1024:.1f} MiB; peak RSS over the run: "
               f"{info['peak_rss_kib'] / 1024:.1f} MiB")
    out.append("- VmHWM per server process: " + ", ".join(f"{l} {k / 1024:.1f} MiB" for l, k in Server.phases))
    out.append(f"- server log: {info['log_warnings']} WARN/ERROR lines, {info['locked']} × `database is locked`")
    out.append(f"- start-to-ready: {info['ready_10k_ms']:.0f} ms on 10k posts "
               f"(empty database incl. migrations: {info['ready_empty_ms']:.0f} ms)")
    out.append("")
    out.append("| target | result | measured |")
    out.append("| --- | --- | --- |")
    for label, res, detail in checks:
        out.append(f"| {label} | {res} | {detail} |")
    out.append("")
    for name, rows in info["plan"].items():
        out.append(f"- query plan, {name} (10k posts): "
                   + "; ".join(" ".join(str(x) for x in row) for row in rows))
    for key, size in (("plan_shaped", "10k"), ("plan_shaped_100k", "100k")):
        for name, rows in info[key].items():
            out.append(f"- query plan, shaped reader's hot page 1, {name} ({size} posts): "
                       + "; ".join(" ".join(str(x) for x in row) for row in rows))
    text = "\n".join(out)
    print(text)
    with open(os.path.join(HERE, f"last-{BACKEND}.md"), "w") as fh:
        fh.write(text + "\n")


if __name__ == "__main__":
    main()
