"""``grader serve``: the web app and the grading dispatcher in one process.

    serve(course, host="127.0.0.1", port=8000)        # blocks until Ctrl-C / SIGTERM

On 127.0.0.1 the course's secret key is made when missing. On any other address
the server refuses to start without a persisted key that only its owner can read,
and says how to put it behind TLS: cnnkit speaks plain HTTP and expects a reverse
proxy (Caddy, nginx) in front of it for https (see docs/operators.md).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from grader.errors import GraderError, SandboxError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
TLS_ADVICE = ("Serving on {host}: put it behind a TLS reverse proxy (https), e.g. Caddy: "
              "'caddy reverse-proxy --from cnn.example.edu --to 127.0.0.1:{port}', and set [server] url to the "
              "https address so that cookies are marked Secure. See docs/operators.md.")

log = logging.getLogger("cnnkit.server")


class ServeError(GraderError):
    "The class server cannot start."


@dataclass
class Running:
    """What :func:`start` started: the uvicorn server, the dispatcher's thread and how to stop both."""

    server: object
    stop: threading.Event
    threads: list
    executor: object
    url: str

    def shutdown(self) -> None:
        self.stop.set()
        self.server.should_exit = True
        for thread in self.threads:
            thread.join(timeout=30)
        if self.executor is not None:
            self.executor.close()


def secret_for(course, host: str) -> bytes:
    from grader.auth import AuthError, ensure_secret, read_secret

    if host in LOCAL_HOSTS:
        return ensure_secret(course)
    try:
        return read_secret(course)
    except AuthError as exc:
        raise ServeError(f"Refusing to serve on {host}: {exc}") from None


def start(course, *, host: str = "127.0.0.1", port: int = 8000, workers: int | None = None,
          cluster: str | None = None, sandbox: bool = True, grade: bool = True, say=print) -> Running:
    """Start the app (uvicorn, in a thread) and the dispatcher; return handles to stop them."""
    import uvicorn

    from grader.dispatcher import Dispatcher
    from grader.executors import default_workers, make_executor
    from grader.server import create_app
    from grader.store import Store

    secret = secret_for(course, host)
    listener = listen(host, port)  # before anything starts: a taken port is one line, not uvicorn's log
    store = Store.open(course)
    store.upgrade()  # a course made by an older cnnkit gets the server's tables
    stop, wake = threading.Event(), threading.Event()
    threads, executor = [], None
    if grade:
        if sandbox:
            from grader.targets import require_sandbox

            try:
                require_sandbox()
            except SandboxError as exc:
                raise ServeError(f"{exc} Prediction files are scored without it; notebooks need it.") from None
        executor = make_executor(course, cluster=cluster, workers=workers)
        capacity = getattr(executor, "workers", None) or workers or default_workers(course)
        dispatcher = Dispatcher(course, store, executor, capacity=capacity, sandbox=sandbox)
        threads.append(threading.Thread(target=dispatcher.serve, args=(stop, wake), name="dispatcher",
                                        daemon=True))
    base_url = course.get("server", "url") or f"http://{_host_in_url(host)}:{port}"
    app = create_app(course, store=store, secret=secret, wake=wake, base_url=base_url)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", proxy_headers=True,
                            forwarded_allow_ips="127.0.0.1", timeout_graceful_shutdown=5, access_log=False)
    server = uvicorn.Server(config)
    threads.append(threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="web", daemon=True))
    for thread in threads:
        thread.start()
    running = Running(server=server, stop=stop, threads=threads, executor=executor, url=base_url)
    if host not in LOCAL_HOSTS:
        say(TLS_ADVICE.format(host=host, port=port))
    return running


def listen(host: str, port: int):
    """The listening socket of ``host:port``; a port that is taken or not ours to use is a ServeError."""
    import os
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise ServeError(f"Cannot listen on {_host_in_url(host)}:{port}: {os.strerror(exc.errno) if exc.errno else exc}. "
                         "Stop what uses that port or choose another with --port.") from None


def wait_until_ready(running: Running, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not running.server.started:
        if time.monotonic() > deadline or not running.threads[-1].is_alive():
            running.shutdown()
            raise ServeError(f"The server did not start at {running.url} within {timeout:g} s; the line above "
                             "says why. Run 'grader doctor' to check the course.")
        time.sleep(0.05)


def _host_in_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host
