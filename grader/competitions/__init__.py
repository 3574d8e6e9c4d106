"""Kaggle-style class competitions: configuration, metrics, validation, kits, submissions, leaderboards.

Modules, each small: ``config`` (competition.toml), ``metrics`` (the registry),
``validation`` (submission files), ``solution`` (the truth, kept in the course),
``scoring``, ``kits`` (starter kits), ``teams``, ``submit`` (the daily limit),
``leaderboard`` (Kaggle's rules), ``standings`` (what public pages
may show, read in a few queries), ``audit`` (look-alike files), ``export``,
``image_folder`` (a competition's own class folders).
Nothing heavy is imported here.
"""
