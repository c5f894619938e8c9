"""gunicorn settings for the REST service: `gunicorn -c gunicorn.conf.py` (see `make serve`)."""

import os
import socket

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


def post_fork(server, worker):
    """The arbiter has just opened the worker's own socket, on which the kernel would queue
    connections for the seconds the worker takes to load the app and read the build: closed here
    (microseconds after it opened), opened again once the worker can answer (post_worker_init)."""
    if _own_sockets(server.cfg):
        for listener in worker.sockets:
            listener.close()
        worker.sockets = []


def post_worker_init(worker):
    """Before the worker accepts a request: refuse an LLM timeout that outlives the worker or model
    calls that could take every thread, read the published build (service.prepare_worker), then
    listen."""
    from gunicorn import sock

    from service import prepare_worker

    prepare_worker(worker.wsgi, timeout=worker.cfg.timeout, threads=worker.cfg.threads)
    if _own_sockets(worker.cfg):
        worker.sockets = sock.create_sockets(worker.cfg, worker.log)
