"""gunicorn settings for the REST service: `gunicorn -c gunicorn.conf.py` (see `make serve`)."""

import os
import socket

from gunicorn import sock

# gunicorn's own socket opening, kept for each worker to listen once it can answer (on_starting).
_open_sockets = sock.create_sockets

wsgi_app = "service:create_app()"
bind = f"{os.environ.get('SERVICE_HOST', '127.0.0.1')}:{os.environ.get('SERVICE_PORT', '8000')}"
workers = int(os.environ.get("SERVICE_WORKERS", "2"))
# Threads let a worker answer other requests while one waits on the database: gunicorn's gthread
# worker, answering the requests it refuses itself (a request line over 4,094 bytes, say) in JSON.
worker_class = "service.api.server_errors.JSONErrorWorker"
# gunicorn's own parser: the JSON refusals read the limits and lengths from its exceptions (the optional
# C parser's carry text alone).
http_parser = "python"
threads = int(os.environ.get("SERVICE_THREADS", "4"))
keepalive = 5
# Each worker listens on its own socket and the kernel spreads new connections across them. With
# one shared socket the worker that wins the accept races takes most of them, and its keep-alive
# clients then share one core while the other worker idles (seen: 23 of 32 connections, and down
# to a third of the throughput).
reuse_port = True
# A request is a few indexed reads, or a wait on the language model of less than this (checked below);
# one taking this long is stuck, not slow.
timeout = 30
graceful_timeout = 10
# The application logs one line per request itself (service/api/requestlog.py).
accesslog = None
errorlog = "-"
# No shared control socket in the home folder: several instances (tests, benchmarks) may run at once.
control_socket_disable = True


def _own_sockets(cfg) -> bool:
    """Whether each worker opens its own socket (gunicorn's arbiter decides so the same way)."""
    return cfg.reuse_port and hasattr(socket, "SO_REUSEPORT")


def _no_socket_at_fork(conf, log, fds=None) -> list:
    return []


def on_starting(server):
    """With a socket per worker, gunicorn opens it in each new worker right after the fork, where
    the kernel would queue connections for the seconds the worker takes to load the app and read
    the build (closing it at once still let a connection in, on a loaded machine, to be reset). No
    socket then: each worker opens its own once it can answer (post_worker_init)."""
    if _own_sockets(server.cfg):
        sock.create_sockets = _no_socket_at_fork


def post_worker_init(worker):
    """Before the worker accepts a request: refuse an LLM timeout that outlives the worker or model
    calls that could take every thread, read the published build (service.prepare_worker), then
    listen."""
    from service import prepare_worker

    prepare_worker(worker.wsgi, timeout=worker.cfg.timeout, threads=worker.cfg.threads)
    if _own_sockets(worker.cfg):
        worker.sockets = _open_sockets(worker.cfg, worker.log)
