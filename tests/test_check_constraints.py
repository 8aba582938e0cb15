"""Migration 0014's format checks accept exactly the values the patterns they replaced accepted."""

from __future__ import annotations

import random
import string

import asyncpg

from api import migrate
from tests.conftest import NewDatabase
from tests.test_migrations import migration_module

CHECKS = migration_module("0014").CHECKS
NAMES = [name for _, _, name, _, _ in CHECKS]

LIVE_CHECKS = """
SELECT c.conname, coalesce(a.attname, 'value') AS subject, pg_get_expr(c.conbin, c.conrelid) AS expression
FROM pg_constraint AS c
LEFT JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.conname = ANY($1::text[])"""
"""Each check's expression as the database holds it, and what it tests: a table's column, or a domain's VALUE."""

# Near every pattern's edges: lengths either side of each bound, each allowed character and some that look alike
# (full-width digits, dotless and dotted i, the Kelvin sign), a trailing newline, empty and blank strings.
EDGES = [
    "",
    " ",
    "2023",
    "202",
    "2023-02-05",
    "2022-10~",
    "2022-10/2023-01",
    "[2022,2023]",
    "{2022..2023}",
    "2022-XX",
    "Y170000002",
    "2023\n",
    "\uff12\uff10\uff12\uff13",
    "2" * 64,
    "2" * 65,
    "fr",
    "en",
    "f",
    "fra",
    "fren",
    "FR",
    "zh-Hant",
    "zh-H",
    "sr-Latn-RS",
    "en-abcdefgh",
    "en-abcdefghi",
    "fr-",
    "\u0131t",
    "it\n",
    "RU",
    "R",
    "RUS",
    "ru",
    "Kİ",
    "K\u212a",
    "a" * 64,
    "0123456789abcdef" * 4,
    "0123456789ABCDEF" * 4,
    "0123456789abcdef" * 4 + "0",
    "reader",
    "r",
    "-key",
    "key.name_1-2",
    "k" * 63,
    "k" * 64,
    "é" * 3,
]
ALPHABET = string.ascii_letters + string.digits + "-._~?%/[]{},:+ é\nİ\u212a"


def _samples() -> list[str]:
    """The edges, random strings of every length up to 70, and tags built of random subtags."""
    pick = random.Random(14)
    samples = list(EDGES)
    for length in range(71):
        samples += ["".join(pick.choices(ALPHABET, k=length)) for _ in range(6)]
    for _ in range(300):
        parts = ["".join(pick.choices(string.ascii_lowercase, k=pick.randint(1, 4)))]
        for _ in range(pick.randint(0, 3)):
            parts.append("".join(pick.choices(string.ascii_letters + string.digits, k=pick.randint(1, 9))))
        samples.append("-".join(parts))
    return samples


SAMPLES = _samples()


async def _judge(url: str) -> dict[str, tuple[str, list[bool]]]:
    """Each check's expression, and its verdict on every sample (a null counts as passing, as in a CHECK)."""
    verdicts = {}
    conn = await asyncpg.connect(url)
    try:
        for row in await conn.fetch(LIVE_CHECKS, NAMES):
            judged = await conn.fetch(
                f"""SELECT coalesce(({row["expression"]}), true) AS ok
                FROM unnest($1::text[]) WITH ORDINALITY AS probe("{row["subject"]}", n) ORDER BY n""",
                SAMPLES,
            )
            verdicts[row["conname"]] = (row["expression"], [r["ok"] for r in judged])
    finally:
        await conn.close()
    return verdicts


async def test_new_checks_accept_what_the_old_patterns_accepted(make_database: NewDatabase) -> None:
    """Every sample gets the same verdict from each check at head and at revision 0013, before the rewrite."""
    url = await make_database()
    new = await _judge(url)
    migrate.migrate_to(url, "0013")
    old = await _judge(url)
    assert sorted(new) == sorted(old) == sorted(NAMES)
    for name in NAMES:
        (new_expression, new_verdicts), (old_expression, old_verdicts) = new[name], old[name]
        assert new_expression != old_expression, name
        differing = [s for s, a, b in zip(SAMPLES, new_verdicts, old_verdicts, strict=True) if a != b]
        assert differing == [], name
        # Samples on both sides of every check: a check refusing (or passing) everything would show here.
        assert 0 < sum(old_verdicts) < len(SAMPLES), name
