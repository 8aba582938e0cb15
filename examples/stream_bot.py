#!/usr/bin/env python3
"""Follow `/v1/changes/stream` (Server-Sent Events) and print each change. Standard library only.

    python examples/stream_bot.py --base-url http://127.0.0.1:8000 --types claims --actor dmitry-peskov \\
        --cursor-file .peskov.cursor

Each change prints one tab-separated line: cursor, type, operation, id, version. The bot remembers the
`id:` of the last event (and writes it to `--cursor-file` if given); when the connection drops — the
server restarted, a proxy cut it, or the bot fell too far behind — it reconnects with `Last-Event-ID`
and the server first replays everything after it, so no change is lost or printed twice. Without a
cursor it starts with the next change (to replay history first, pass `--after` a cursor of `/v1/changes`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

USER_AGENT = "timeline-stream-bot/1"
IDLE_TIMEOUT = 60.0
"""Seconds without a byte (the server sends a keepalive every 15 s by default) before the connection counts as
dead; the socket timeout is also capped by what is left of `--timeout`."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Done(Exception):
    """Enough events, or time is up."""


class Follower:
    def __init__(self, args: argparse.Namespace) -> None:
        self.url = urllib.parse.urlsplit(args.base_url)
        self.params = {k: v for k, v in (("types", args.types), ("actor", args.actor)) if v}
        self.cursor_file = Path(args.cursor_file) if args.cursor_file else None
        self.last_id: str | None = args.after
        if self.cursor_file and self.cursor_file.exists():
            self.last_id = self.cursor_file.read_text().strip() or self.last_id
        self.max_events: int | None = args.max_events
        self.deadline: float | None = time.monotonic() + args.timeout if args.timeout else None
        self.received = 0
        self.retry = 1.0

    def remaining(self) -> float:
        if self.deadline is None:
            return IDLE_TIMEOUT
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Done
        return min(left, IDLE_TIMEOUT)

    def run(self) -> None:
        while True:
            try:
                self.follow_once()
                log("stream ended; reconnecting")
            except (OSError, http.client.HTTPException) as error:
                log(f"connection lost ({type(error).__name__}: {error}); reconnecting")
            time.sleep(min(self.retry, self.remaining()))

    def follow_once(self) -> None:
        connection_class = http.client.HTTPSConnection if self.url.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(self.url.netloc, timeout=self.remaining())
        headers = {"Accept": "text/event-stream", "User-Agent": USER_AGENT}
        if self.last_id:
            headers["Last-Event-ID"] = self.last_id
        path = self.url.path.rstrip("/") + "/v1/changes/stream"
        if self.params:
            path += "?" + urllib.parse.urlencode(self.params)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            if response.status != 200:
                raise SystemExit(f"GET {path}: {response.status} {response.read().decode(errors='replace')}")
            log(f"connected{' after ' + self.last_id if self.last_id else ''}")
            self.read_events(response)
        finally:
            connection.close()

    def read_events(self, response: http.client.HTTPResponse) -> None:
        fields: dict[str, str] = {}
        data: list[str] = []
        while True:
            try:
                raw = response.readline()
            except TimeoutError:
                raise OSError("no data, not even a keepalive: the connection is dead") from None
            self.remaining()  # keepalives come often, so this bounds --timeout within one of them
            if not raw:
                return
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data:
                    self.dispatch(fields, "\n".join(data))
                fields, data = {}, []
            elif line.startswith(":"):
                continue  # a comment: keepalive
            else:
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "data":
                    data.append(value)
                elif name == "retry" and value.isdigit():
                    self.retry = int(value) / 1000
                else:
                    fields[name] = value

    def dispatch(self, fields: dict[str, str], data: str) -> None:
        if fields.get("event") != "change":
            return
        change: dict[str, Any] = json.loads(data)
        print("\t".join([change["cursor"], change["type"], change["operation"], change["id"], str(change["version"])]),
              flush=True)  # fmt: skip
        self.last_id = fields.get("id", self.last_id)
        if self.cursor_file and self.last_id:
            self.cursor_file.write_text(self.last_id)
        self.received += 1
        if self.max_events is not None and self.received >= self.max_events:
            raise Done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--types", help="comma-separated resource types, e.g. claims,events")
    parser.add_argument("--actor", help="only changes involving this actor, e.g. dmitry-peskov")
    parser.add_argument("--after", help="start after this cursor (of /v1/changes or a previous run)")
    parser.add_argument("--cursor-file", help="remember the last event id here, and resume from it")
    parser.add_argument("--max-events", type=int, help="exit after this many changes")
    parser.add_argument("--timeout", type=float, help="exit after this many seconds")
    args = parser.parse_args(argv)
    try:
        Follower(args).run()
    except Done:
        return 0
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
