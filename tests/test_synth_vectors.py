"""Synth's search vectors, built from the pooled pieces' vectors, equal what migration 0010's functions compute."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
import pytest

from api.synth import SynthError, SynthSpec, synthesize
from api.synth.load import VECTOR_CHECKS, check_vectors
from api.synth.vectors import PieceVectors, fetch_piece_vectors, parse_vector, piece_from

SPEC = SynthSpec(events=600, claims=1800, actors=300, seed=11, chunk=250)


class CraftedPools:
    """Pools of hand-picked pieces (the shape of `TextPools`): stop words only, hyphens, apostrophes, names."""

    def __init__(self) -> None:
        self.sentences = (
            [
                "Le rapport de la commission.",
                "Le de la.",
                "Aujourd'hui le porte-parole a démenti.",
                "Paris et Kiev.",
                "Les drones de la.",
            ],
            [
                "The report of the commission.",
                "Of the.",
                "Today the spokesperson denied.",
                "Paris and Kyiv.",
                "The drones of the.",
            ],
        )
        self.halves = (
            ["usine de drones", "de la", "à Téhéran", "drones de la"],
            ["drone factory", "of the", "in Tehran", "drones of the"],
        )
        self.title_starts = tuple([h[:1].upper() + h[1:] for h in halves] for halves in self.halves)

    def title(self, lang: int, a: int, b: int) -> str:
        return f"{self.title_starts[lang][a]} {self.halves[lang][b]}"

    def text(self, lang: int, picks: list[int]) -> str:
        return " ".join(self.sentences[lang][i] for i in picks)


LANGS = ("fr", "en")


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection: asyncpg.Connection = await asyncpg.connect(database_url)
    yield connection
    await connection.close()


@pytest.fixture
async def crafted(conn: asyncpg.Connection) -> tuple[CraftedPools, PieceVectors]:
    pools = CraftedPools()
    return pools, await fetch_piece_vectors(conn, pools)  # type: ignore[arg-type]


async def same(conn: asyncpg.Connection, built: str, expected_sql: str, *args: object) -> None:
    row = await conn.fetchrow(f"SELECT $1::tsvector::text AS built, ({expected_sql})::text AS expected", built, *args)
    assert row["built"] == row["expected"]


async def test_a_piece_counts_its_stop_words(conn: asyncpg.Connection) -> None:
    vector, marked = await conn.fetchrow(
        "SELECT to_tsvector('timeline_fr', $1)::text, to_tsvector('timeline_fr', $1 || ' zzzsynthmarker')::text",
        "Le rapport de la",
    )
    piece = piece_from(vector, marked)
    assert (piece.words, piece.last) == (4, 2)  # "de la" take two positions and leave no lexeme
    assert parse_vector("'porte-parol':3A 'port':4A,7 'l''x':1") == [
        ("'porte-parol'", (3,)),
        ("'port'", (4, 7)),
        ("'l''x'", (1,)),
    ]


@pytest.mark.parametrize(
    ("lang", "sentences", "translated"),
    [
        (0, [0, 1, 2], True),
        (0, [2, 3], False),
        (1, [1, 1], False),
        (1, [1, 0], True),
        (0, [1], True),
        (1, [4], True),
        (0, [4, 4, 1], True),
    ],
)
async def test_claim_vectors(
    conn: asyncpg.Connection,
    crafted: tuple[CraftedPools, PieceVectors],
    lang: int,
    sentences: list[int],
    translated: bool,
) -> None:
    pools, vectors = crafted
    translations = {LANGS[1 - lang]: pools.text(1 - lang, sentences)} if translated else {}
    await same(
        conn,
        vectors.claim(lang, sentences, translated),
        "timeline_claims_search_vector($2, $3, $4::jsonb)",
        pools.text(lang, sentences),
        LANGS[lang],
        json.dumps(translations),
    )


@pytest.mark.parametrize(
    ("langs", "title", "summary", "tags"),
    [
        ((0, 1), (0, 1), [1, 3], ["air-defence", "drones"]),
        ((0,), (1, 1), [], []),
        ((1,), (0, 2), [3], ["un-security-council"]),
        ((0, 1), (2, 0), [0, 1, 2, 3], ["black-sea", "g7", "tehran"]),
        ((0, 1), (1, 1), [1], ["eu"]),
        ((0, 1), (3, 1), [4], ["nato"]),
        ((1,), (0, 3), [0, 4], ["kyiv"]),
    ],
)
async def test_event_vectors(
    conn: asyncpg.Connection,
    crafted: tuple[CraftedPools, PieceVectors],
    langs: tuple[int, ...],
    title: tuple[int, int],
    summary: list[int],
    tags: list[str],
) -> None:
    pools, vectors = crafted
    titles = {LANGS[lang]: pools.title(lang, *title) for lang in langs}
    summaries = {LANGS[lang]: pools.text(lang, summary) for lang in langs} if summary else {}
    await same(
        conn,
        vectors.event(langs, title, summary, tags),
        "timeline_events_search_vector($2::jsonb, $3::jsonb, $4::text[])",
        json.dumps(titles),
        json.dumps(summaries),
        tags,
    )


async def test_quote_vectors(conn: asyncpg.Connection, crafted: tuple[CraftedPools, PieceVectors]) -> None:
    pools, vectors = crafted
    for lang in (0, 1):
        for sentence in range(len(pools.sentences[lang])):
            quote = pools.sentences[lang][sentence]
            built = vectors.quote(lang, sentence=sentence)
            await same(conn, built, "timeline_citations_search_vector($2, $3)", quote, LANGS[lang])
        built = vectors.quote(lang, title=(2, 0))
        await same(conn, built, "timeline_citations_search_vector($2, $3)", pools.title(lang, 2, 0), LANGS[lang])


async def test_every_loaded_row_has_the_vector_its_trigger_computes(
    database_url: str, conn: asyncpg.Connection
) -> None:
    await synthesize(database_url, SPEC, workers=0)

    for table, expected in VECTOR_CHECKS.items():
        rows, wrong = await conn.fetchrow(
            f"SELECT count(*), count(*) FILTER (WHERE t.search_vector IS DISTINCT FROM {expected}) FROM {table} AS t"
        )
        assert rows > 0 and wrong == 0, table
    # Both-language titles, empty summaries, tags and translations were all there to get right.
    assert await conn.fetchval("SELECT count(*) FROM events WHERE title ? 'fr' AND title ? 'en'") > 0
    assert await conn.fetchval("SELECT count(*) FROM events WHERE summary = '{}' AND tags <> '{}'") > 0
    assert await conn.fetchval("SELECT count(*) FROM claims WHERE translations <> '{}'") > 0
    enabled = await conn.fetch("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%\\_vector' AND tgenabled = 'O'")
    assert sorted(r["tgname"] for r in enabled) == ["citations_vector", "claims_vector", "events_vector"]


async def test_a_wrong_vector_is_found_and_names_its_row(database_url: str, conn: asyncpg.Connection) -> None:
    await synthesize(database_url, SPEC, workers=0)
    await check_vectors(conn)
    first = await conn.fetchval("SELECT min(id) FROM claims")
    await conn.execute("ALTER TABLE claims DISABLE TRIGGER claims_vector")
    await conn.execute("UPDATE claims SET search_vector = to_tsvector('simple', 'wrong') WHERE id = $1", first)
    await conn.execute("ALTER TABLE claims ENABLE TRIGGER claims_vector")

    with pytest.raises(SynthError, match=f"claims {first}: the synthetic search_vector differs"):
        await check_vectors(conn)
