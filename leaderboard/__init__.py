"""The leaderboard site: static HTML rendered from the store (see leaderboard.build.build_site)."""
