"""The class server: ``grader serve``'s web app (pages, JSON API, sign-in) and its grading dispatcher.

    app = create_app(course)              # an ASGI app (FastAPI on Starlette)
    uvicorn.run(app, host="127.0.0.1", port=8000)

Thin by design: every handler reads the caller from ``request.user`` (set in one place,
:mod:`grader.server.security`), calls one function of :mod:`grader.service` and renders
the result as a page (the site's templates, :mod:`leaderboard.pages`) or as JSON. The
rules live in the service layer; the server never runs student code (the dispatcher
hands grading to the executors, which run it in the sandbox).
"""

from grader.server.app import create_app

__all__ = ["create_app"]
