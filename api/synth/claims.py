"""Claims with their reporting chains, events, stances, links and citations (at least one each)."""

from __future__ import annotations

from api.synth.context import NULL, Context, Lines, lang_map
from api.synth.dates import DAYS, draw_precisions
from api.synth.names import LANGUAGES_SAID
from api.synth.spec import claim_id, event_id, proposition_id
from schema.vocab import CLAIM_KINDS, CLAIM_RELATIONS, QUOTE_TYPES, STANCES

LANGS = ("fr", "en")
CLAIM_KIND_WEIGHTS = (0.25, 0.12, 0.1, 0.03, 0.08, 0.12, 0.1, 0.03, 0.08, 0.04, 0.05)


def claims(ctx: Context, chunk: int) -> Lines:
    import numpy as np

    spec = ctx.spec
    rng = spec.rng("claims", chunk)
    rows = spec.chunk_rows(spec.claims, chunk)
    n = len(rows)
    pools = ctx.pools
    # Most claims are about one or two events, said in the days after the (first) event.
    event_count = rng.choice(3, size=n, p=[0.15, 0.75, 0.10])
    event_picks = rng.integers(0, spec.events, size=(n, 2))
    days = np.where(
        event_count > 0,
        ctx.event_days[event_picks[:, 0]] + rng.integers(0, 11, size=n),
        rng.integers(0, DAYS, size=n),
    )
    codes = draw_precisions(rng, n).tolist()
    extra = rng.integers(1, 31, size=n).tolist()
    claimants = ctx.zipf_actors(rng, n).tolist()
    weights = np.array(CLAIM_KIND_WEIGHTS)
    kinds = rng.choice(len(CLAIM_KINDS), size=n, p=weights / weights.sum()).tolist()
    french = rng.random(n) < 0.6
    sentence_count = rng.integers(2, 6, size=n).tolist()  # 2 to 5 sentences: 16 to 60 words
    picks = rng.integers(0, len(pools.sentences[0]), size=(n, 5)).tolist()
    said = rng.random(n).tolist()
    said_lang = rng.integers(0, len(LANGUAGES_SAID), size=n).tolist()
    translated = (rng.random(n) < 0.25).tolist()
    direct = (rng.random(n) < 0.6).tolist()
    relay_count = rng.choice(4, size=n, p=[0.5, 0.25, 0.15, 0.10]).tolist()
    relays = ctx.zipf_outlets(rng, (n, 3)).tolist() if len(ctx.outlets) else [[]] * n
    relay_dated = (rng.random((n, 3)) < 0.5).tolist()
    stance_count = rng.choice(3, size=n, p=[0.75, 0.2, 0.05]).tolist()
    stance_props = ctx.zipf_propositions(rng, (n, 2)).tolist()
    stance_kind = rng.integers(0, 2, size=(n, 2)).tolist()
    linked = (rng.random(n) < 0.1).tolist()
    link_back = rng.integers(1, 5000, size=n).tolist()
    link_relation = rng.integers(0, len(CLAIM_RELATIONS), size=n).tolist()
    cited_twice = (rng.random(n) < 0.2).tolist()
    sources = ctx.source_for(rng, days, french).tolist()
    starts = rng.integers(0, 50_000, size=(n, 2)).tolist()
    event_count_list = event_count.tolist()
    event_list = event_picks.tolist()
    day_list = days.tolist()
    french_list = french.tolist()
    cal = ctx.cal
    vectors = ctx.vectors
    actor_ids, source_ids = ctx.actor_ids, ctx.source_ids
    out: Lines = {
        "claims": [],
        "claim_reporting": [],
        "claim_events": [],
        "claim_stances": [],
        "claim_links": [],
        "citations": [],
    }
    claim_rows, reporting, claim_events = out["claims"], out["claim_reporting"], out["claim_events"]
    stances, links, citations = out["claim_stances"], out["claim_links"], out["citations"]
    changes: list[str] = []
    for k, i in enumerate(rows):
        cid = claim_id(i)
        day = day_list[k]
        when, earliest, latest = cal.edtf(codes[k], day, extra[k])
        lang = 0 if french_list[k] else 1
        sentences = picks[k][: sentence_count[k]]
        words = pools.text(lang, sentences)
        if said[k] < 0.3:
            said_in = LANGUAGES_SAID[said_lang[k]]
        elif said[k] < 0.6:
            said_in = LANGS[lang]
        else:
            said_in = NULL
        translations = lang_map({LANGS[1 - lang]: pools.text(1 - lang, sentences)}) if translated[k] else "{}"
        vector = vectors.claim(lang, sentences, translated[k]) if vectors else ""
        claim_rows.append(
            f"{cid}\t{actor_ids[claimants[k]]}\t{CLAIM_KINDS[kinds[k]]}\t{when}\t{earliest}\t{latest}\t{words}"
            f"\t{LANGS[lang]}\t{said_in}\t{translations}\t{QUOTE_TYPES[0 if direct[k] else 1]}\t{vector}\n"
        )
        involved = [actor_ids[claimants[k]]]
        for position in range(relay_count[k]):
            outlet = actor_ids[relays[k][position]]
            involved.append(outlet)
            if relay_dated[k][position]:
                relay_day = cal.day[day + 1 + position]
                reporting.append(f"{cid}\t{position}\t{outlet}\t{relay_day}\t{relay_day}\t{relay_day}\n")
            else:
                reporting.append(f"{cid}\t{position}\t{outlet}\t{NULL}\t{NULL}\t{NULL}\n")
        count = event_count_list[k]
        if count:
            first, second = event_list[k]
            claim_events.append(f"{cid}\t{event_id(first)}\n")
            if count == 2 and second != first:
                claim_events.append(f"{cid}\t{event_id(second)}\n")
        if stance_count[k]:
            first_prop, second_prop = stance_props[k]
            stances.append(f"{cid}\t{proposition_id(first_prop)}\t{STANCES[stance_kind[k][0]]}\n")
            if stance_count[k] == 2 and second_prop != first_prop:
                stances.append(f"{cid}\t{proposition_id(second_prop)}\t{STANCES[stance_kind[k][1]]}\n")
        if linked[k] and i > 0:
            target = claim_id(max(0, i - link_back[k]))
            links.append(f"{cid}\t{target}\t{CLAIM_RELATIONS[link_relation[k]]}\n")
        source = sources[k]
        pool = pools.sentences[lang]
        ids = []
        for c in range(2 if cited_twice[k] else 1):
            sid = source_ids[source + 5 * c]  # the next block: another source, same language
            quote = pool[sentences[c]]
            start = starts[k][c]
            ids.append(f"{cid}@{sid}")
            vector = vectors.quote(lang, sentence=sentences[c]) if vectors else ""
            citations.append(
                f"{cid}@{sid}\t{sid}\t{cid}\t{NULL}\t{quote}\t{start}\t{start + len(quote)}\t{LANGS[lang]}\t{vector}\n"
            )
        if ctx.changes:
            actors_of = ",".join(sorted(set(involved)))
            changes.append(f"claims\t{cid}\tupsert\t1\t{{{actors_of}}}\n")
            changes.extend(f"citations\t{c}\tupsert\t1\t{{{actors_of}}}\n" for c in ids)
    if ctx.changes:
        out["changes"] = changes
    return out


COLUMNS: dict[str, tuple[str, ...]] = {
    "claims": (
        "id",
        "claimant_id",
        "kind",
        "when_edtf",
        "earliest",
        "latest",
        "words",
        "language",
        "said_in",
        "translations",
        "quote_type",
        "search_vector",
    ),
    "claim_reporting": ("claim_id", "position", "actor_id", "when_edtf", "earliest", "latest"),
    "claim_events": ("claim_id", "event_id"),
    "claim_stances": ("claim_id", "proposition_id", "stance"),
    "claim_links": ("claim_id", "target_id", "relation"),
}
