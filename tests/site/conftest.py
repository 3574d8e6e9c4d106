"""Fixtures of the site tests; the store-filling helpers are in site_fixtures.py."""

from __future__ import annotations

import pytest
from site_fixtures import build


@pytest.fixture(scope="module")
def ongoing_site(tmp_path_factory):
    """The site of a competition before the reveal: (course, store, site folder)."""
    return build(tmp_path_factory.mktemp("ongoing"), revealed=False)


@pytest.fixture(scope="module")
def revealed_site(tmp_path_factory):
    """The site after the private leaderboard was revealed."""
    return build(tmp_path_factory.mktemp("revealed"), revealed=True)
