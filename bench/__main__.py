"""``./dev bench [--scale 1]``: build a large company and print what it costs to serve it.

Everything runs on this machine against real components: PostgreSQL (a
``okrhub_bench`` database by default, created and migrated on demand),
gunicorn on loopback, and a real Celery worker on Redis. Results are printed
as a table and written as JSON under ``bench/results/``.
"""

import argparse
import os
import sys
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 10,000 objectives (default)")
    parser.add_argument("--small-scale", type=float, default=0.01, help="second size for query-count equality")
    parser.add_argument("--requests", type=int, default=30, help="repetitions per latency figure")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the concurrent check-in load")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (1 = sync workers, as deployed)"
    )
    parser.add_argument("--reuse", action="store_true", help="reuse the data of the last run at this scale")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated feature entries of bench/extras.py to run alone (e.g. weekly,insights), "
        "skipping the core tree and check-in figures; with --reuse, to re-measure one feature",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/okrhub_bench"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8765")))
    args = parser.parse_args(argv)
    args.only = [name for name in args.only.split(",") if name]  # checked against the entries once Django is up

    for url in (args.database_url, args.redis_url):
        if urlsplit(url).hostname not in LOOPBACK:
            parser.error(f"the benchmark runs on this machine only; {url} is not on 127.0.0.1")
    # The bench process and its gunicorn and worker share one configuration, close to production:
    # PostgreSQL with persistent connections, tasks through Redis, debug off. Throttles are raised
    # so that the load measures the server rather than the 429 path.
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DATABASE_CONN_MAX_AGE": "60",
            "CELERY_BROKER_URL": args.redis_url,
            "REDIS_URL": args.redis_url,
            "DJANGO_SETTINGS_MODULE": "okrhub.settings.local",
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "API_THROTTLE_KEY": "1000000/min",
            "API_THROTTLE_USER": "1000000/min",
            "LOG_LEVEL": "WARNING",
            # The webhooks entry's receiver listens on loopback, over plain http (allowed: an allowed network).
            "OKRHUB_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32",
        }
    )
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")

    from bench.runner import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
