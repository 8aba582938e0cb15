"""Actors (with affiliations), places, sources and propositions: the corpus's reference data."""

from __future__ import annotations

from api.synth.context import NULL, Context, Lines, lang_map, text_array
from api.synth.dates import DAYS
from api.synth.names import (
    ASCII,
    CITIES,
    COUNTRIES,
    FIRST_NAMES,
    LAST_NAMES,
    ORGANISATIONS,
    OUTLETS,
    PLACE_KINDS,
    ROLES,
)
from api.synth.spec import place_id, proposition_id


def _actor_names(ctx: Context, i: int, kind: str, variant: int) -> tuple[str, dict[str, str], list[str]]:
    """(name, labels, aliases) of actor i."""
    code, country_fr, country_en = COUNTRIES[ctx.actor_country[i]]
    if kind == "state":
        return country_en, {"fr": country_fr, "en": country_en}, [code]
    if kind == "person":
        first = FIRST_NAMES[variant % len(FIRST_NAMES)]
        last = LAST_NAMES[(variant // len(FIRST_NAMES)) % len(LAST_NAMES)]
        name = f"{first} {last}"
        ascii_name = name.translate(ASCII)
        return name, {}, [ascii_name] if ascii_name != name else []
    if kind == "media_outlet":
        city = CITIES[variant % len(CITIES)][1]
        fr, en = OUTLETS[(variant // len(CITIES)) % len(OUTLETS)]
        return en.format(city=city), {"fr": fr.format(city=city), "en": en.format(city=city)}, []
    if kind == "anonymous_group":
        return (
            f"Officials of {country_en}",
            {"fr": f"Responsables de {country_fr}", "en": f"Officials of {country_en}"},
            [],
        )
    fr, en = ORGANISATIONS[variant % len(ORGANISATIONS)]
    return f"{en} ({country_en})", {"fr": f"{fr} ({country_fr})", "en": f"{en} ({country_en})"}, []


def actors(ctx: Context, chunk: int) -> Lines:
    """Every actor and actor affiliation (one chunk: tens of thousands of rows)."""
    spec = ctx.spec
    rng = spec.rng("actors", chunk)
    n = spec.actors
    variants = rng.integers(0, 1 << 30, size=n).tolist()
    describe = rng.random(n).tolist()
    wikidata = rng.integers(1, 10**8, size=n).tolist()
    pools = ctx.pools
    halves = rng.integers(0, len(pools.halves[0]), size=n).tolist()
    affiliated = rng.random(n).tolist()
    # Affiliations: about a third of the people work for (or with) one or two bodies.
    bodies = [i for i, k in enumerate(ctx.actor_kinds) if k in ("government_body", "organisation", "media_outlet")]
    aff_count = rng.choice(3, size=n, p=[0.65, 0.25, 0.10]).tolist()
    aff_target = rng.integers(0, max(1, len(bodies)), size=(n, 2)).tolist()
    aff_role = rng.integers(0, len(ROLES), size=(n, 2)).tolist()
    aff_start = rng.integers(0, DAYS - 400, size=(n, 2)).tolist()
    aff_length = rng.integers(200, 1400, size=(n, 2)).tolist()
    aff_open = (rng.random((n, 2)) < 0.5).tolist()
    cal = ctx.cal
    out: Lines = {"actors": [], "actor_affiliations": []}
    rows, aff_rows = out["actors"], out["actor_affiliations"]
    for i in range(n):
        kind = ctx.actor_kinds[i]
        name, labels, aliases = _actor_names(ctx, i, kind, variants[i])
        code = COUNTRIES[ctx.actor_country[i]][0]
        description = (
            lang_map({"fr": pools.halves[0][halves[i]], "en": pools.halves[1][halves[i]]})
            if describe[i] < 0.7
            else "{}"
        )
        state = (
            ctx.actor_ids[ctx.actor_country[i]]
            if kind == "media_outlet" and affiliated[i] < 0.5 and ctx.actor_country[i] != i
            else NULL
        )
        wd = f"Q{wikidata[i]}" if describe[i] < 0.4 else NULL
        rows.append(
            f"{ctx.actor_ids[i]}\t{kind}\t{name}\t{lang_map(labels)}\t{text_array(aliases)}\t{description}"
            f"\t{code}\t{state}\t{wd}\n"
        )
        if kind != "person" or not bodies:
            continue
        for k in range(aff_count[i]):
            target = bodies[aff_target[i][k]]
            start = aff_start[i][k]
            start_edtf, start_earliest = cal.month[cal.month_of_day[start]], cal.month_first[cal.month_of_day[start]]
            if aff_open[i][k]:
                end_edtf = end_latest = NULL
            else:
                end_edtf = cal.year[start + aff_length[i][k]]
                end_latest = end_edtf + "-12-31"
            aff_rows.append(
                f"{ctx.actor_ids[i]}\t{k}\t{ctx.actor_ids[target]}\t{ROLES[aff_role[i][k]]}"
                f"\t{start_edtf}\t{start_earliest}\t{end_edtf}\t{end_latest}\n"
            )
    if ctx.changes:
        out["changes"] = [f"actors\t{a}\tupsert\t1\t{{{a}}}\n" for a in ctx.actor_ids]
    return out


def places(ctx: Context, chunk: int) -> Lines:
    rng = ctx.spec.rng("places", chunk)
    n = ctx.spec.places
    jitter = rng.normal(0.0, 0.05, size=(n, 2)).round(4).tolist()
    out: Lines = {"places": []}
    for i in range(n):
        code, city, lat, lon = CITIES[i % len(CITIES)]
        kind_fr, kind_en = PLACE_KINDS[(i // len(CITIES)) % len(PLACE_KINDS)]
        suffix = f" {i // (len(CITIES) * len(PLACE_KINDS)) + 1}" if i >= len(CITIES) * len(PLACE_KINDS) else ""
        labels = {"fr": f"{city}, {kind_fr}{suffix}", "en": f"{city} {kind_en}{suffix}"}
        lat_j, lon_j = round(lat + jitter[i][0], 4), round(lon + jitter[i][1], 4)
        out["places"].append(f"{place_id(i)}\t{labels['en']}\t{lang_map(labels)}\t{code}\t{lat_j}\t{lon_j}\n")
    if ctx.changes:
        out["changes"] = [f"places\t{place_id(i)}\tupsert\t1\t{{}}\n" for i in range(n)]
    return out


def sources(ctx: Context, chunk: int) -> Lines:
    """Documents without a file, in date order, by blocks of five: three French, two English."""
    spec = ctx.spec
    rng = spec.rng("sources", chunk)
    n = spec.sources
    pools = ctx.pools
    title_a = rng.integers(0, len(pools.halves[0]), size=n).tolist()
    title_b = rng.integers(0, len(pools.halves[0]), size=n).tolist()
    outlets: list[int] = ctx.zipf_outlets(rng, n).tolist() if len(ctx.outlets) else [-1] * n
    no_outlet = (rng.random(n) < 0.1).tolist()
    monthly = (rng.random(n) < 0.1).tolist()
    cal = ctx.cal
    out: Lines = {"sources": []}
    changes: list[str] = []
    for j in range(n):
        lang = 0 if j % 5 < 3 else 1
        day = (j // 5) * DAYS // ctx.source_blocks + 2
        if monthly[j]:
            m = cal.month_of_day[day]
            published, earliest, latest = cal.month[m], cal.month_first[m], cal.month_last[m]
        else:
            published = earliest = latest = cal.day[day]
        outlet = NULL if no_outlet[j] or outlets[j] < 0 else ctx.actor_ids[outlets[j]]
        sid = ctx.source_ids[j]
        url = f"https://news.example.org/{outlet if outlet != NULL else 'web'}/{sid}"
        out["sources"].append(
            f"{sid}\t{pools.title(lang, title_a[j], title_b[j])}\t{outlet}\t{('fr', 'en')[lang]}"
            f"\t{published}\t{earliest}\t{latest}\t{url}\n"
        )
        if ctx.changes:
            changes.append(f"sources\t{sid}\tupsert\t1\t{{{'' if outlet == NULL else outlet}}}\n")
    if ctx.changes:
        out["changes"] = changes
    return out


def propositions(ctx: Context, chunk: int) -> Lines:
    rng = ctx.spec.rng("propositions", chunk)
    n = ctx.spec.propositions
    pools = ctx.pools
    a = rng.integers(0, len(pools.halves[0]), size=n).tolist()
    b = rng.integers(0, len(pools.halves[0]), size=n).tolist()
    out: Lines = {"propositions": []}
    for i in range(n):
        text = {"fr": pools.title(0, a[i], b[i]), "en": pools.title(1, a[i], b[i])}
        out["propositions"].append(f"{proposition_id(i)}\t{lang_map(text)}\n")
    if ctx.changes:
        out["changes"] = [f"propositions\t{proposition_id(i)}\tupsert\t1\t{{}}\n" for i in range(n)]
    return out


COLUMNS: dict[str, tuple[str, ...]] = {
    "actors": (
        "id",
        "kind",
        "name",
        "labels",
        "aliases",
        "description",
        "country",
        "affiliated_state_id",
        "wikidata",
    ),
    "actor_affiliations": (
        "actor_id",
        "position",
        "target_id",
        "role",
        "start_edtf",
        "start_earliest",
        "end_edtf",
        "end_latest",
    ),
    "places": ("id", "name", "labels", "country", "latitude", "longitude"),
    "sources": (
        "id",
        "title",
        "outlet_id",
        "language",
        "published_edtf",
        "published_earliest",
        "published_latest",
        "url",
    ),
    "propositions": ("id", "text"),
}
