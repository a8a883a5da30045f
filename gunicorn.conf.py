"""gunicorn settings for `make serve` and production (`gunicorn -c gunicorn.conf.py wsgi:app`).

Every value can be overridden from the environment, so one file serves a laptop and a server.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# sync workers: each request holds one database connection and renders server-side HTML or a
# PDF (CPU-bound), so (2 x cores) + 1 processes is the usual balance between CPU and waiting on
# the database
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# a PDF of a long follow-up log is the slowest request (seconds, not minutes); a worker stuck
# longer than this is killed and replaced instead of holding its slot forever
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# recycle workers now and then (slow leaks in C libraries such as Pango/HarfBuzz stay bounded);
# the jitter keeps them from all restarting at the same moment
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# the app is imported once in the master, then forked: faster start, shared read-only memory;
# the engine's connection pool is created lazily in each worker, so no socket is shared
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() == "true"
# behind nginx: trust X-Forwarded-* only from the proxy on this host
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


def post_fork(server, worker):
    """Drop any database connection inherited from the master (preload_app): each worker opens
    its own, or two processes would talk over one socket."""
    from webapp.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)
