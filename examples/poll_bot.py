#!/usr/bin/env python3
"""Poll `/v1/claims` and print each claim the first time it is seen. Standard library only.

    python examples/poll_bot.py --base-url http://127.0.0.1:8000 --interval 30 --actor dmitry-peskov

Each poll sends the first page's last `ETag` in `If-None-Match`: while nothing changed the API answers
`304 Not Modified` without touching its database (and without counting against the anonymous rate
limit), so polling often is cheap. When something changed it walks every page (`next_cursor`) and prints
the claims it has not printed before, one tab-separated line each: when, claimant, kind, id, text.
A `429` is honoured by sleeping `Retry-After` seconds. To learn about edits and deletions too, follow
`/v1/changes` (or the stream: `stream_bot.py`) rather than diffing lists.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from typing import Any

USER_AGENT = "timeline-poll-bot/1"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def get(url: str, etag: str | None = None) -> tuple[int, Message, Any]:
    """(status, headers (case-insensitive), decoded JSON body or None) of a GET."""
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, json.load(response)
    except urllib.error.HTTPError as error:  # 304 and 4xx/5xx land here
        with error:
            return error.code, error.headers, None


def page_url(base_url: str, params: dict[str, str], cursor: str | None) -> str:
    query = {**params, "limit": "200", **({"cursor": cursor} if cursor else {})}
    return f"{base_url.rstrip('/')}/v1/claims?{urllib.parse.urlencode(query)}"


def all_claims(base_url: str, params: dict[str, str], first: Any) -> list[dict[str, Any]]:
    """Every claim, starting from the first page already fetched."""
    claims: list[dict[str, Any]] = list(first["items"])
    cursor = first["next_cursor"]
    while cursor:
        status, _, page = get(page_url(base_url, params, cursor))
        if status != 200:
            raise RuntimeError(f"GET /v1/claims answered {status}")
        claims += page["items"]
        cursor = page["next_cursor"]
    return claims


def line(claim: dict[str, Any]) -> str:
    claimant = claim["claimant"].get("label") or claim["claimant"]["name"]
    text = " ".join(claim["text"].split())
    return "\t".join([claim["when"], claimant, claim["kind"], claim["id"], text])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between polls (default 30)")
    parser.add_argument("--actor", help="only this claimant's claims, e.g. dmitry-peskov")
    parser.add_argument("--lang", default="en", help="language of the printed text (default en)")
    parser.add_argument("--once", action="store_true", help="poll once and exit")
    parser.add_argument("--max-polls", type=int, help="stop after this many polls")
    args = parser.parse_args(argv)
    max_polls = 1 if args.once else args.max_polls

    params = {"lang": args.lang, **({"actor": args.actor} if args.actor else {})}
    seen: set[str] = set()
    etag: str | None = None
    polls = 0
    try:
        while max_polls is None or polls < max_polls:
            if polls:
                time.sleep(args.interval)
            polls += 1
            status, headers, first = get(page_url(args.base_url, params, None), etag)
            if status == 304:
                log(f"poll {polls}: 304 not modified")
                continue
            if status == 429:
                wait = float(headers.get("Retry-After", args.interval))
                log(f"poll {polls}: 429, retrying after {wait:g} s")
                time.sleep(wait)
                continue
            if status != 200:
                log(f"poll {polls}: unexpected status {status}")
                continue
            new = [claim for claim in all_claims(args.base_url, params, first) if claim["id"] not in seen]
            for claim in new:
                seen.add(claim["id"])
                print(line(claim), flush=True)
            etag = headers.get("ETag")
            log(f"poll {polls}: 200, {len(new)} new claim(s)")
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
