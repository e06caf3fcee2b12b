"""A/B runs of server binaries on one seeded SQLite file: the rows of issue 27 and their yardstick.

    python3 bench/ab.py seed DIR                 # 8 API users, 1,000 users, 10,000 posts, as bench.py loads them
    python3 bench/ab.py run DIR BIN [ROWS] [REPS] # BIN on a fresh copy of DIR's file; ROWS of "abl m" (default "alm")

Each run starts BIN on a copy of the seeded file and runs ROWS REPS times (`wrk` as bench.py runs
it: 2 threads, 64 connections, BENCH_DURATION seconds after a warm-up), printing req/s, the
server's CPU per request and p99, and each row's ratio to (a). Alternate the binaries (A, B, A, B):
runs minutes apart on this machine differ more than many changes do. The full benchmark
(`bench/run`) is what targets are judged by; this is for finding out which change did what.
"""
import json
import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
MODE, ARGS = sys.argv[1], sys.argv[2:]
sys.argv = [sys.argv[0], "sqlite"]  # bench.py reads its backend from argv
import bench as B  # noqa: E402


def seed(into):
    db = B.SqliteDb()
    srv = B.Server(db.url, "seed").start()
    cookies = []
    for i in range(1, B.API_USERS + 1):
        _, cookie = B.call("POST", "/api/users", {"username": f"Bench_Api_{i}", "email": f"bench.api.{i}@example.com",
                                                  "password": B.PASSWORD})
        cookies.append(cookie)
    post, _ = B.call("POST", "/api/posts", {"title": "Benchmark: the first post",
                                            "post_url": "https://example.com/first"}, cookies[0])
    B.call("POST", "/api/comments", {"post_id": post["id"], "comment_text": "First comment."}, cookies[1])
    B.call("PUT", f"/api/posts/{post['id']}/vote", cookie=cookies[2])
    srv.stop()
    users = db.rows("SELECT id, username, username_key, email, password_hash, created_at FROM users ORDER BY id")
    prow = db.rows("SELECT id FROM posts")[0]
    crow = db.rows("SELECT id FROM comments")[0]
    learned = {"shape": B.Shape(str(users[0][5])), "key_is_lower": True, "hashes": [u[4] for u in users],
               "max_user": max(int(u[0]) for u in users), "max_post": int(prow[0]), "max_comment": int(crow[0])}
    loader = B.Loader(db, learned)
    loader.load_users(B.USERS)
    loader.load_tags()
    loader.load_posts(1000, minutes_apart=60)
    loader.load_posts(10000, minutes_apart=6)
    db.settle()
    os.makedirs(into, exist_ok=True)
    shutil.copy(db.path, os.path.join(into, "bench.db"))
    with open(os.path.join(into, "meta.json"), "w") as f:
        json.dump({"cookies": cookies, "posts": loader.posts}, f)
    shutil.rmtree(B.WORK, ignore_errors=True)
    print(f"seeded {loader.posts} posts into {into}")


def run(seeded, binary, rows="alm", reps="1"):
    with open(os.path.join(seeded, "meta.json")) as f:
        meta = json.load(f)
    cookies, posts = meta["cookies"], meta["posts"]
    path = os.path.join(B.WORK, "bench.db")
    shutil.copy(os.path.join(seeded, "bench.db"), path)
    B.BIN = binary
    srv = B.Server(f"sqlite://{path}?mode=rwc", "a/b").start()
    rng = random.Random(int(os.environ.get("BENCH_SEED", "11")))
    out = {}
    for _ in range(int(reps)):
        for row in rows.replace(" ", ""):
            if row == "a":
                r = B.wrk("(a)", B.lua_static(), path="/api/session")
            elif row == "b":
                r = B.wrk("(b)", B.lua_static(headers={"Cookie": cookies[0]}), path="/api/session")
            elif row == "l":
                r = B.uncached("(l)", B.random_posts(rng, posts, cookies, B.RANDOM_POSTS), path="/api/posts/1")
            elif row == "m":
                r = B.wrk("(m)", B.lua_cycle(B.toggles_over(rng, posts, cookies, 2000)), path="/api/posts/1/vote")
            else:
                raise SystemExit(f"unknown row {row!r}")
            out.setdefault(row, []).append(r)
    srv.stop()
    shutil.rmtree(B.WORK, ignore_errors=True)
    a = sorted(r["rps"] for r in out.get("a", [])) or [None]
    a = a[len(a) // 2]
    for row, runs in out.items():
        shown = []
        for r in runs:
            ratio = f" ({r['rps'] / a:.2f}×(a))" if a else ""
            shown.append(f"{r['rps']:,.0f} req/s{ratio}, {r['cpu_us']:.0f} µs, p99 {r['p99_ms']:.1f} ms")
        print(f"({row}) " + " | ".join(shown))


if __name__ == "__main__":
    {"seed": seed, "run": run}[MODE](*ARGS)
