"""gunicorn settings for the REST service: `gunicorn -c gunicorn.conf.py` (see `make serve`)."""

import os

from gunicorn import sock

# gunicorn's own socket opening, kept for the master to bind the socket without listening (on_starting).
_create_sockets = sock.create_sockets

wsgi_app = "service:create_app()"
bind = f"{os.environ.get('SERVICE_HOST', '127.0.0.1')}:{os.environ.get('SERVICE_PORT', '8000')}"
workers = int(os.environ.get("SERVICE_WORKERS", "2"))
# Threads let a worker answer other requests while one waits on the database: gunicorn's gthread
# worker, taking a new connection only while no other worker holds fewer (service/api/balanced_worker.py)
# and answering the requests it refuses itself (a request line over 4,094 bytes, say) in JSON.
worker_class = "service.api.server_errors.JSONErrorWorker"
# gunicorn's own parser: the JSON refusals read the limits and lengths from its exceptions (the optional
# C parser's carry text alone).
http_parser = "python"
threads = int(os.environ.get("SERVICE_THREADS", "4"))
keepalive = 5
# One socket for every worker, so that a worker can leave a new connection to another: with a socket
# per worker (`reuse_port`), the kernel picks the worker by a hash of the client's address and port,
# and put three or all four of four connections on one worker in half the runs.
reuse_port = False
# A request is a few indexed reads, or a wait on the language model of less than this (checked below);
# one taking this long is stuck, not slow.
timeout = 30
graceful_timeout = 10
# The application logs one line per request itself (service/api/requestlog.py).
accesslog = None
errorlog = "-"
# No shared control socket in the home folder: several instances (tests, benchmarks) may run at once.
control_socket_disable = True


class _Bound:
    """Takes the place of gunicorn's check for a socket already listening (a socket from systemd):
    answering yes, gunicorn binds the socket and leaves the listen() to the workers."""

    @staticmethod
    def _is_listening(_sock) -> bool:
        return True


def _bound_sockets(conf, log, fds=None) -> list:
    """gunicorn's sockets for the bind addresses (with its retries and its message for a port in
    use), bound but not listening: until a worker listens, a client's connection is refused, not
    queued for the seconds the worker takes to start."""
    if fds:
        return _create_sockets(conf, log, fds)  # inherited from the previous master (USR2), listening
    kind = sock._sock_type
    sock._sock_type = lambda address: type("Bound", (_Bound, kind(address)), {})
    try:
        return _create_sockets(conf, log)
    finally:
        sock._sock_type = kind


def on_starting(server):
    """The master binds the socket (a port in use fails here, at once) and no worker listens on it
    before it can answer (post_worker_init)."""
    sock.create_sockets = _bound_sockets


def post_worker_init(worker):
    """Before the worker accepts a request: refuse an LLM timeout that outlives the worker or model
    calls that could take every thread, read the published build (service.prepare_worker), then
    listen (the first worker to get there opens the socket to clients; listening again is harmless)."""
    from service import prepare_worker

    prepare_worker(worker.wsgi, timeout=worker.cfg.timeout, threads=worker.cfg.threads)
    for listener in worker.sockets:
        listener.listen(worker.cfg.backlog)
