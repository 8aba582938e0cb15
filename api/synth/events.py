"""Events, their participants, and the citations of a third of them."""

from __future__ import annotations

from api.synth.context import NULL, Context, Lines, lang_map, text_array
from api.synth.dates import draw_precisions
from api.synth.names import TAGS
from api.synth.spec import event_id, place_id
from schema.vocab import EVENT_KINDS, PARTICIPANT_ROLES

LANGS = ("fr", "en")
# Which languages an event's title (and summary) exist in: both, French only, English only.
TITLE_LANGS = ((0, 1), (0,), (1,))


def events(ctx: Context, chunk: int) -> Lines:
    spec = ctx.spec
    rng = spec.rng("events", chunk)
    rows = spec.chunk_rows(spec.events, chunk)
    n = len(rows)
    pools = ctx.pools
    days = ctx.event_days[rows.start : rows.stop]
    day_list = days.tolist()
    codes = draw_precisions(rng, n).tolist()
    extra = rng.integers(1, 31, size=n).tolist()
    kinds = rng.integers(0, len(EVENT_KINDS), size=n).tolist()
    title_langs = rng.choice(3, size=n, p=[0.5, 0.3, 0.2]).tolist()
    title_a = rng.integers(0, len(pools.halves[0]), size=n).tolist()
    title_b = rng.integers(0, len(pools.halves[0]), size=n).tolist()
    summary_len = rng.choice([0, 2, 3, 4, 5], size=n, p=[0.2, 0.25, 0.25, 0.2, 0.1]).tolist()  # sentences
    summary_picks = rng.integers(0, len(pools.sentences[0]), size=(n, 5)).tolist()
    places = rng.integers(0, spec.places, size=n).tolist()
    has_place = (rng.random(n) < 0.6).tolist()
    tag_count = rng.choice(4, size=n, p=[0.3, 0.35, 0.25, 0.1]).tolist()
    tag_picks = rng.integers(0, len(TAGS), size=(n, 3)).tolist()
    part_count = rng.choice([1, 2, 3, 4], size=n, p=[0.35, 0.35, 0.2, 0.1]).tolist()
    part_actors = ctx.zipf_actors(rng, (n, 4)).tolist()
    part_roles = rng.integers(0, len(PARTICIPANT_ROLES), size=(n, 4)).tolist()
    cited = (rng.random(n) < 0.3).tolist()
    sources = ctx.source_for(rng, days, rng.random(n) < 0.6).tolist()
    starts = rng.integers(0, 50_000, size=n).tolist()
    cal = ctx.cal
    vectors = ctx.vectors
    out: Lines = {"events": [], "event_participants": [], "citations": []}
    ev_rows, part_rows, cit_rows = out["events"], out["event_participants"], out["citations"]
    changes: list[str] = []
    cit_changes: list[str] = []
    involved = ""
    for k, i in enumerate(rows):
        eid = event_id(i)
        when, earliest, latest = cal.edtf(codes[k], day_list[k], extra[k])
        langs = TITLE_LANGS[title_langs[k]]
        title = {LANGS[lang]: pools.title(lang, title_a[k], title_b[k]) for lang in langs}
        picks = summary_picks[k][: summary_len[k]]
        summary = {LANGS[lang]: pools.text(lang, picks) for lang in langs} if picks else {}
        place = place_id(places[k]) if has_place[k] else NULL
        tag_list = sorted({TAGS[t] for t in tag_picks[k][: tag_count[k]]})
        vector = vectors.event(langs, (title_a[k], title_b[k]), picks, tag_list) if vectors else ""
        ev_rows.append(
            f"{eid}\t{EVENT_KINDS[kinds[k]]}\t{when}\t{earliest}\t{latest}\t{lang_map(title)}"
            f"\t{lang_map(summary)}\t{place}\t{text_array(tag_list)}\t{vector}\n"
        )
        seen: set[int] = set()
        for p in range(part_count[k]):
            actor = part_actors[k][p]
            if actor in seen:
                continue
            part_rows.append(
                f"{eid}\t{ctx.actor_ids[actor]}\t{PARTICIPANT_ROLES[part_roles[k][p]]}\t{len(seen)}"
                f"\t{earliest}\t{latest}\n"
            )
            seen.add(actor)
        if ctx.changes:
            involved = ",".join(ctx.actor_ids[a] for a in sorted(seen))
            changes.append(f"events\t{eid}\tupsert\t1\t{{{involved}}}\n")
        if cited[k]:
            source = ctx.source_ids[sources[k]]
            lang = 0 if sources[k] % 5 < 3 else 1
            if picks:
                quote = pools.sentences[lang][picks[0]]
                vector = vectors.quote(lang, sentence=picks[0]) if vectors else ""
            else:
                quote = pools.title(lang, title_a[k], title_b[k])
                vector = vectors.quote(lang, title=(title_a[k], title_b[k])) if vectors else ""
            cid = f"{eid}@{source}"
            cit_rows.append(
                f"{cid}\t{source}\t{NULL}\t{eid}\t{quote}\t{starts[k]}\t{starts[k] + len(quote)}"
                f"\t{LANGS[lang]}\t{vector}\n"
            )
            if ctx.changes:
                cit_changes.append(f"citations\t{cid}\tupsert\t1\t{{{involved}}}\n")
    if ctx.changes:
        out["changes"] = changes + cit_changes
    return out


COLUMNS: dict[str, tuple[str, ...]] = {
    "events": (
        "id",
        "kind",
        "when_edtf",
        "earliest",
        "latest",
        "title",
        "summary",
        "place_id",
        "tags",
        "search_vector",
    ),
    "event_participants": ("event_id", "actor_id", "role", "position", "earliest", "latest"),
    "citations": (
        "id",
        "source_id",
        "claim_id",
        "event_id",
        "quote",
        "start_offset",
        "end_offset",
        "language",
        "search_vector",
    ),
}
