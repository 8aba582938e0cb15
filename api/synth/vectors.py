"""The search vectors of the synthetic rows, built without PostgreSQL's text-search parser.

Computing `search_vector` for 8 million texts was about half of the load's COPY time (the columns
were generated; migration 0010 made them trigger-kept, and synth COPYs them with the triggers off).
But every synthetic text is a few pooled pieces (sentences, title halves, tags) joined by spaces,
so PostgreSQL computes the vector of each piece once, at the start of the load, with the server's
own configurations (`fetch_piece_vectors`, a single statement), and a text's vector is the union of
its pieces' lexemes, each piece's positions shifted by the positions of the pieces before it. The
rules are PostgreSQL's:

- a piece takes as many positions as it has words, stop words included; it is measured by the
  position of a marker word appended to it, and a text's next piece starts after them;
- `a || b` shifts b's positions by the largest position in a (not by a's word count);
- a {"fr": …, "en": …} map of several texts merges their vectors position for position
  (`timeline_lang_map_tsvector`); `setweight` marks every position;
- lexemes named twice are merged by tsvector's own input function, so a text's vector is written
  as its pieces' entries one after another.

After the load, `load.check_vectors` compares a sample of rows with migration 0010's functions,
and tests compare every row of a small corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import asyncpg

from api.synth.names import TAGS
from api.synth.texts import TextPools

CONFIGS = ("timeline_fr", "timeline_en")
"""The configuration of each language of the pools (index 0 French, 1 English), as `timeline_ts_config` says."""
TAG_CONFIG = "timeline_simple"
MARKER = "zzzsynthmarker"
"""A word no piece holds and no configuration drops: its position is the piece's word count plus one."""
MAX_POSITION = 16383
"""PostgreSQL's largest position: the synthetic texts stay far below it."""
_POSITIONS = tuple(str(p) for p in range(MAX_POSITION + 1))

_ENTRY = re.compile(r"'((?:[^']|'')*)'(?::([0-9A-D,]+))?")

_FETCH = """
SELECT to_tsvector(u.config, u.body)::text AS vector, to_tsvector(u.config, u.body || ' ' || $3::text)::text AS marked
FROM unnest($1::regconfig[], $2::text[]) WITH ORDINALITY AS u(config, body, n)
ORDER BY u.n"""


WEIGHTS = ("A", "B", "C", "")
"""The weights rows use ("" for none): a template per weight is made with each piece."""


@dataclass(frozen=True)
class Piece:
    words: int
    """Positions the piece takes: the next piece of a text starts at `words + 1`."""
    last: int
    """Its largest position, 0 when every word is a stop word."""
    templates: dict[str, str] = field(compare=False, repr=False)
    """By weight: the piece's lexemes with each position a `str.format` field, so that rendering the piece at an offset
    is one call (positions pre-printed in `_POSITIONS`)."""


def parse_vector(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """A tsvector's text output as (quoted lexeme, positions), weights dropped (pieces have none)."""
    entries = []
    for match in _ENTRY.finditer(text):
        positions = match.group(2) or ""
        entries.append((f"'{match.group(1)}'", tuple(int(p.rstrip("ABCD")) for p in positions.split(",") if p)))
    return entries


def piece_from(vector: str, marked: str) -> Piece:
    entries = parse_vector(vector)
    last = max((max(p) for _, p in entries if p), default=0)
    marked_last = max((max(p) for _, p in parse_vector(marked) if p), default=0)
    if marked_last <= last:
        raise ValueError(f"the marker word was dropped: {marked!r}")
    templates = {
        weight: " ".join(
            lexeme.replace("{", "{{").replace("}", "}}") + ":" + ",".join(f"{{{p - 1}}}{weight}" for p in positions)
            for lexeme, positions in entries
        )
        for weight in WEIGHTS
    }
    return Piece(marked_last - 1, last, templates)


@dataclass
class PieceVectors:
    """The vector of every pooled piece, by language, and of every tag; renders them at an offset."""

    sentences: tuple[list[Piece], list[Piece]]
    starts: tuple[list[Piece], list[Piece]]
    halves: tuple[list[Piece], list[Piece]]
    tags: dict[str, Piece]

    def text(self, pieces: Sequence[Piece], weight: str, base: int, out: list[str]) -> int:
        """Append the entries of a text made of `pieces`, its positions after `base`; return its largest
        position (0 when it has no lexeme)."""
        offset, top = base, 0
        for piece in pieces:
            if piece.last:
                out.append(piece.templates[weight].format(*_POSITIONS[offset + 1 : offset + 1 + piece.last]))
                top = offset + piece.last
            offset += piece.words
        if top > MAX_POSITION:
            raise ValueError(f"a synthetic text runs past position {MAX_POSITION}")
        return top

    def texts(self, texts: Iterable[Sequence[Piece]], weight: str, base: int, out: list[str]) -> int:
        """The texts of one language map: merged position for position from `base`; the largest position."""
        return max((self.text(pieces, weight, base, out) for pieces in texts), default=0)

    def claim(self, lang: int, sentences: Sequence[int], translated: bool) -> str:
        """`timeline_claims_search_vector`: the words (A), then their translation into the other language (B)."""
        out: list[str] = []
        top = self.text([self.sentences[lang][i] for i in sentences], "A", 0, out)
        if translated:
            self.text([self.sentences[1 - lang][i] for i in sentences], "B", top, out)
        return " ".join(out)

    def event(self, langs: Sequence[int], title: tuple[int, int], summary: Sequence[int], tags: Sequence[str]) -> str:
        """`timeline_events_search_vector`: the title map (A), the summary map (B), the tags (C)."""
        out: list[str] = []
        top = self.texts((self._title(lang, title) for lang in langs), "A", 0, out)
        if summary:
            top = self.texts(([self.sentences[lang][i] for i in summary] for lang in langs), "B", top, out) or top
        self.text([self.tags[tag] for tag in tags], "C", top, out)
        return " ".join(out)

    def quote(self, lang: int, sentence: int | None = None, title: tuple[int, int] | None = None) -> str:
        """`timeline_citations_search_vector` of a quote that is one pooled sentence, or a title."""
        out: list[str] = []
        if sentence is not None:
            self.text([self.sentences[lang][sentence]], "", 0, out)
        elif title is not None:
            self.text(self._title(lang, title), "", 0, out)
        return " ".join(out)

    def _title(self, lang: int, title: tuple[int, int]) -> list[Piece]:
        """A title's pieces: a capitalised half, then a half (`TextPools.title`)."""
        return [self.starts[lang][title[0]], self.halves[lang][title[1]]]


async def fetch_piece_vectors(conn: asyncpg.Connection, pools: TextPools) -> PieceVectors:
    """Every pooled piece's vector, computed by the server the corpus goes to, in one statement."""
    configs: list[str] = []
    bodies: list[str] = []
    for lang, config in enumerate(CONFIGS):
        for pool in (pools.sentences[lang], pools.title_starts[lang], pools.halves[lang]):
            configs += [config] * len(pool)
            bodies += pool
    configs += [TAG_CONFIG] * len(TAGS)
    bodies += TAGS
    rows = await conn.fetch(_FETCH, configs, bodies, MARKER)
    pieces = iter([piece_from(r["vector"], r["marked"]) for r in rows])
    by_lang: list[list[list[Piece]]] = []
    for lang in range(len(CONFIGS)):
        by_lang.append(
            [
                [next(pieces) for _ in pool]
                for pool in (pools.sentences[lang], pools.title_starts[lang], pools.halves[lang])
            ]
        )
    tags = {tag: next(pieces) for tag in TAGS}
    return PieceVectors(
        sentences=(by_lang[0][0], by_lang[1][0]),
        starts=(by_lang[0][1], by_lang[1][1]),
        halves=(by_lang[0][2], by_lang[1][2]),
        tags=tags,
    )
