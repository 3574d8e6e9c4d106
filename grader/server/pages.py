"""The server's HTML pages (filled in with the site's templates; see leaderboard.pages)."""

from __future__ import annotations

import html

from fastapi import APIRouter, Request

router = APIRouter()


def error_page(request: Request, status: int, message: str) -> str:
    return (f"<!DOCTYPE html><html lang=en><meta charset=utf-8><title>{status}</title>"
            f"<p>{html.escape(message)}</p></html>")
