"""Load test (not a test of the suite): simulated members against a running server, loopback only.

    make serve   # or: GUNICORN_BIND=127.0.0.1:8000 .venv/bin/gunicorn -c gunicorn.conf.py wsgi:app
    .venv/bin/python scripts/loadtest.py --base http://127.0.0.1:8000 --users 50 --duration 120 \
        [--restart-db-at 60 --restart-cmd "pg_ctlcluster 15 main restart"] [--verify-db URL]

Each simulated member logs in as one of the "large" company's people (scripts/seed_large.py)
and, until the time is up, browses the customer list, opens cards it saw there, searches, looks
at my day and adds follow-ups, with a think time between requests (--think). Only the standard
library is used (threads, urllib), so the client needs nothing installed.

Prints throughput, p50/p99 per action and overall, and every non-2xx/3xx answer by status. With
--restart-db-at the database is restarted mid-run: answers during the restart may be the
friendly 503, and the run reports how long the app took to answer normally again. With
--verify-db every follow-up the server confirmed (a redirect after the POST) is looked up in the
database afterwards by its unique topic: none may be missing.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import random
import re
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from datetime import date

from benchstats import percentile  # scripts/ is on the path when run as a script

PASSWORD = "bench password 123"
ACCOUNTS = [f"sales{i:02d}" for i in range(1, 21)] + ["manager1", "manager2", "owner", "gm"]
SEARCHES = ["贸易", "有限公司", "global", "lighting", "1612", "müller", "王", "projector"]
# action -> weight
MIX = {"list": 35, "card": 25, "search": 15, "followup": 15, "myday": 10}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 302 is an answer to measure, not to follow
        return None


class Member(threading.Thread):
    def __init__(self, run: Run, index: int) -> None:
        super().__init__(daemon=True)
        self.run_ = run
        self.rng = random.Random(index)
        self.account = ACCOUNTS[index % len(ACCOUNTS)]
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )
        self.seen: list[int] = []
        self.index = index

    # --- HTTP -------------------------------------------------------------------------------

    def request(self, action: str, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.run_.base + path, data=body)
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=30) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            status, text = error.code, error.read().decode("utf-8", "replace")
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            status, text = 0, str(error)
        self.run_.record(action, status, (time.perf_counter() - started) * 1000)
        return status, text

    def csrf(self, html: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        return match.group(1) if match else ""

    # --- behaviour --------------------------------------------------------------------------

    def login(self) -> bool:
        _status, page = self.request("login page", "/login")
        status, _ = self.request(
            "login",
            "/login",
            {
                "csrf_token": self.csrf(page),
                "email": f"{self.account}@{self.run_.slug}.example.com",
                "password": PASSWORD,
            },
        )
        return status in (302, 303)

    def run(self) -> None:
        time.sleep(self.index * 0.05)  # members arrive over a few seconds, not in one burst
        while not self.login():
            if time.monotonic() > self.run_.ends:
                return
            time.sleep(1)
        base = f"/t/{self.run_.slug}"
        while time.monotonic() < self.run_.ends:
            action = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
            if action == "list" or not self.seen:
                page = self.rng.randint(1, 20)
                status, html = self.request("list", f"{base}/customers/?page={page}")
                if status == 200:
                    ids = [int(i) for i in re.findall(rf'href="{base}/customers/(\d+)"', html)]
                    self.seen = (ids + self.seen)[:200]
            elif action == "card":
                self.request("card", f"{base}/customers/{self.rng.choice(self.seen)}")
            elif action == "search":
                q = urllib.parse.quote(self.rng.choice(SEARCHES))
                self.request("search", f"{base}/customers/?q={q}")
            elif action == "myday":
                self.request("my day", f"{base}/")
            else:
                self.add_followup(base)
            time.sleep(self.rng.uniform(*self.run_.think))  # think time

    def add_followup(self, base: str) -> None:
        customer_id = self.rng.choice(self.seen)
        # ?log=1: the card with its follow-up form unfolded (a browser fetches it by htmx)
        status, html = self.request("card", f"{base}/customers/{customer_id}?log=1")
        if status != 200:
            return
        form = self.followup_form(html, f"{base}/customers/{customer_id}/followups")
        if form is None:
            with self.run_.lock:  # an error, so a changed page cannot make the test pass unseen
                self.run_.statuses[("no follow-up form", 0)] += 1
            return
        topic = f"load {self.run_.tag} {self.index}-{self.rng.random():.12f}"
        form.update(topic=topic, method="phone", on_date=date.today().isoformat())
        status, _ = self.request("add follow-up", f"{base}/customers/{customer_id}/followups", form)
        if status in (302, 303):
            self.run_.saved(topic)

    @staticmethod
    def followup_form(html: str, action: str) -> dict | None:
        """The add form's fields as the browser would send them (hidden inputs, values, the
        selected option of each select)."""
        start = html.find(f'action="{action}"')
        if start < 0:
            return None
        end = html.find("</form>", start)
        chunk = html[start:end]
        fields: dict[str, str] = {}
        for tag in re.findall(r"<input[^>]*>", chunk):
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            boxed = re.search(r'type="(checkbox|radio)"', tag)
            if name and (not boxed or re.search(r"\schecked", tag)):
                fields[name.group(1)] = value.group(1) if value else ""
        for name, options in re.findall(
            r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', chunk, re.S
        ):
            for option in re.findall(r"<option[^>]*>", options):
                value = re.search(r'value="([^"]*)"', option)
                if value and re.search(r"\sselected", option):
                    fields[name] = value.group(1)
        return fields


class Run:
    think: tuple[float, float] = (0.2, 1.0)

    def __init__(self, base: str, slug: str, duration: float) -> None:
        self.base, self.slug = base.rstrip("/"), slug
        self.started = time.monotonic()
        self.ends = self.started + duration
        self.tag = f"{int(time.time())}"
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.confirmed: list[str] = []
        self.timeline: list[tuple[float, int]] = []  # (seconds into the run, status)
        # (seconds into the run when the request started, action, ms): for the steady state
        self.samples: list[tuple[float, str, float]] = []

    def record(self, action: str, status: int, ms: float) -> None:
        with self.lock:
            now = time.monotonic() - self.started
            self.times[action].append(ms)
            self.statuses[(action, status)] += 1
            self.timeline.append((now, status))
            self.samples.append((now - ms / 1000, action, ms))

    def saved(self, topic: str) -> None:
        with self.lock:
            self.confirmed.append(topic)


def report(run: Run, duration: float, restart_at: float | None) -> None:
    total = sum(len(v) for v in run.times.values())
    print(f"{total} requests in {duration:.0f} s: {total / duration:.1f} requests/s")
    print(f"{'action':16} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}")
    everything: list[float] = []
    for action, values in sorted(run.times.items()):
        everything += values
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        print(f"{action:16} {len(values):6d} {p50:8.1f} {p99:8.1f}")
    print(f"{'all':16} {len(everything):6d} {statistics.median(everything):8.1f} "
          f"{percentile(everything, 0.99):8.1f}")  # fmt: skip
    # the members log in together at the start (argon2 on purpose costs ~0.1 s of CPU each),
    # and what waits behind those 50 logins says little about browsing: the same numbers
    # without logins, for requests started after the last login ended
    logins = [t + ms / 1000 for t, action, ms in run.samples if action == "login"]
    settled = max(logins, default=0.0)
    steady = [ms for t, action, ms in run.samples if t >= settled and "login" not in action]
    if steady:
        print(f"{'after the logins':16} {len(steady):6d} {statistics.median(steady):8.1f} "
              f"{percentile(steady, 0.99):8.1f}  (from {settled:.0f} s)")  # fmt: skip
    errors = {key: n for key, n in run.statuses.items() if key[1] == 0 or key[1] >= 400}
    print("errors:", dict(sorted(errors.items())) or "none")
    if restart_at is not None:
        failed = [
            t for t, status in run.timeline if t >= restart_at and (status == 0 or status >= 500)
        ]
        if failed:
            print(f"failures after the restart at {restart_at:.0f} s: {len(failed)}, "
                  f"the last {max(failed) - restart_at:.1f} s after it")  # fmt: skip
        else:
            print(f"no failure after the restart at {restart_at:.0f} s")


def verify(url: str, topics: list[str]) -> None:
    """Look every confirmed follow-up up (connect as the tables' owner: RLS would hide them)."""
    from sqlalchemy import bindparam, create_engine, text

    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    query = text("SELECT topic FROM followup WHERE topic IN :topics").bindparams(
        bindparam("topics", expanding=True)
    )
    found: set[str] = set()
    with create_engine(url).connect() as conn:
        for start in range(0, len(topics), 500):
            found.update(conn.scalars(query, {"topics": topics[start : start + 500]}))
    missing = [t for t in topics if t not in found]
    print(f"follow-ups confirmed by the server: {len(topics)}, found in the database: "
          f"{len(topics) - len(missing)}, missing: {len(missing)}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--slug", default="large")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120)
    parser.add_argument("--restart-db-at", type=float)
    parser.add_argument("--restart-cmd", default="pg_ctlcluster 15 main restart")
    parser.add_argument("--verify-db", help="database URL to look the confirmed follow-ups up in")
    parser.add_argument(
        "--think",
        default="0.2,1.0",
        help="seconds between a member's requests, MIN,MAX (default 0.2,1.0: a stress pace; "
        "people reading a page take seconds, e.g. 2,8)",
    )
    default_mix = ",".join(f"{k}={v}" for k, v in MIX.items())
    parser.add_argument("--mix", help=f"weights per action (default: {default_mix})")
    args = parser.parse_args()
    if args.mix:
        weights = dict(part.split("=") for part in args.mix.split(","))
        MIX.clear()
        MIX.update({action: int(weight) for action, weight in weights.items()})
    run = Run(args.base, args.slug, args.duration)
    low, high = (float(x) for x in args.think.split(","))
    run.think = (low, high)
    members = [Member(run, i) for i in range(args.users)]
    for member in members:
        member.start()
    if args.restart_db_at is not None:
        time.sleep(max(0.0, run.started + args.restart_db_at - time.monotonic()))
        print(f"restarting the database: {args.restart_cmd}", flush=True)
        subprocess.run(args.restart_cmd, shell=True, check=False)
    for member in members:
        member.join()
    report(run, time.monotonic() - run.started, args.restart_db_at)
    if args.verify_db:
        verify(args.verify_db, run.confirmed)


if __name__ == "__main__":
    main()
