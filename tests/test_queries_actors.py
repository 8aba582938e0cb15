"""The actor queries, run directly against a database loaded with the small cast."""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest

from api.queries import actors as queries
from api.queries.actors import ActorFilters
from tests.factories_actors import actors_dataset, load
from tests.story_factories import actor

EN = ("en", "fr")
FR = ("fr", "en")


@pytest.fixture
async def cast(pool: asyncpg.Pool) -> asyncpg.Pool:
    await load(pool, actors_dataset())
    return pool


async def found(pool: asyncpg.Pool, query: str, filters: ActorFilters | None = None) -> list[str]:
    ranked = await queries.search_actors(pool, filters or ActorFilters(), query, after=None, limit=50, languages=EN)
    return [hit.actor.id for hit in ranked]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Teheran", "iran"),
        ("téhéran", "iran"),
        ("TEHRAN", "iran"),
        ("Peskov", "dmitry-peskov"),
        ("Peskof", "dmitry-peskov"),
        ("peskov dmitry", "dmitry-peskov"),
        ("Dmitri Peskov", "dmitry-peskov"),
        ("Amirabdollahian", "hossein-amir-abdollahian"),
        ("Amir-Abdollahian", "hossein-amir-abdollahian"),
        ("amir abdollahian", "hossein-amir-abdollahian"),
        ("Amir\u2019Abdollahian", "hossein-amir-abdollahian"),  # typographic apostrophe
        ("Russia Today", "rt"),
        ("ministère iranien", "iran-mfa"),
    ],
)
async def test_names_match_whatever_the_case_accents_hyphens_or_small_misspellings(
    cast: asyncpg.Pool, query: str, expected: str
) -> None:
    assert (await found(cast, query))[0] == expected


async def test_unrelated_and_empty_queries_match_nothing(cast: asyncpg.Pool) -> None:
    assert await found(cast, "Zelensky") == []
    assert await found(cast, "!!! ---") == []


async def test_exact_names_rank_before_prefixes_and_prefixes_before_close_spellings(pool: asyncpg.Pool) -> None:
    await load(
        pool,
        {
            "dataset": "namesakes",
            "actors": [
                actor("a-close-spelling", name="Ivan Peskof"),
                actor("b-prefix", name="Anna Peskova"),
                actor("c-alias", name="Someone", aliases=["Peskov"]),
                actor("d-unrelated", name="Sergei Lavrov"),
            ],
        },
    )
    ranked = await queries.search_actors(pool, ActorFilters(), "peskov", after=None, limit=50, languages=EN)
    assert [hit.actor.id for hit in ranked] == ["c-alias", "b-prefix", "a-close-spelling"]
    ranks = [hit.rank for hit in ranked]
    assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) == 3


async def test_the_state_comes_first_for_its_own_name(cast: asyncpg.Pool) -> None:
    ids = await found(cast, "Iran")
    assert ids[0] == "iran"
    assert {"iran-mfa", "iranian-officials"} <= set(ids)
    assert "russia" not in ids


async def test_equal_ranks_are_ordered_by_id(pool: asyncpg.Pool) -> None:
    await load(
        pool,
        {
            "dataset": "twins",
            "actors": [
                actor("zz-peskov", name="Peskov"),
                actor("aa-peskov", name="Peskov"),
                actor("mm-peskov", name="Peskov"),
            ],
        },
    )
    ranked = await queries.search_actors(pool, ActorFilters(), "peskov", after=None, limit=50, languages=EN)
    assert [hit.actor.id for hit in ranked] == ["aa-peskov", "mm-peskov", "zz-peskov"]
    assert len({hit.rank for hit in ranked}) == 1


async def test_ranked_keyset_continues_after_the_given_rank_and_id(cast: asyncpg.Pool) -> None:
    everything = await queries.search_actors(cast, ActorFilters(), "Iran", after=None, limit=50, languages=EN)
    first = everything[0]
    rest = await queries.search_actors(
        cast, ActorFilters(), "Iran", after=(first.rank, first.actor.id), limit=50, languages=EN
    )
    assert [hit.actor.id for hit in rest] == [hit.actor.id for hit in everything[1:]]


async def test_list_is_by_id_and_continues_after_the_given_id(cast: asyncpg.Pool) -> None:
    items = await queries.list_actors(cast, ActorFilters(), after_id=None, limit=50, languages=EN)
    ids = [item.id for item in items]
    assert ids == sorted(ids) and len(ids) == len(actors_dataset()["actors"])
    after = await queries.list_actors(cast, ActorFilters(), after_id="kremlin", limit=2, languages=EN)
    assert [item.id for item in after] == [i for i in ids if i > "kremlin"][:2]


async def test_filters_by_kind_country_and_affiliation_alone_and_together(cast: asyncpg.Pool) -> None:
    async def ids(filters: ActorFilters) -> list[str]:
        return [a.id for a in await queries.list_actors(cast, filters, after_id=None, limit=50, languages=EN)]

    assert await ids(ActorFilters(kinds=["state"])) == ["iran", "russia"]
    assert await ids(ActorFilters(kinds=["state", "media_outlet"])) == ["iran", "nour-news", "press-tv", "rt", "russia"]
    assert await ids(ActorFilters(country="RU")) == ["dmitry-peskov", "kremlin", "rt", "russia"]
    assert await ids(ActorFilters(affiliated_with="iran")) == [
        "hossein-amir-abdollahian",
        "iran-mfa",
        "iranian-officials",
    ]
    assert await ids(ActorFilters(affiliated_with="iran", kinds=["person"])) == ["hossein-amir-abdollahian"]
    assert await ids(ActorFilters(affiliated_with="nobody")) == []
    assert await found(cast, "Iran", ActorFilters(kinds=["government_body"])) == ["iran-mfa"]
    assert await found(cast, "Iran", ActorFilters(country="RU")) == []


async def test_items_carry_every_field_with_resolved_texts_and_counts(cast: asyncpg.Pool) -> None:
    (peskov,) = await queries.list_actors(
        cast, ActorFilters(affiliated_with="kremlin"), after_id=None, limit=50, languages=FR
    )
    assert peskov.id == "dmitry-peskov"
    assert peskov.kind == "person"
    assert peskov.name == "Dmitry Peskov"
    assert peskov.label == "Dmitri Peskov"
    assert peskov.labels == {"en": "Dmitry Peskov", "fr": "Dmitri Peskov"}
    assert peskov.aliases == ["Peskov", "Dmitri Peskov"]
    assert peskov.description == {"en": "Kremlin spokesman", "fr": "Porte-parole du Kremlin"}
    assert peskov.description_text == "Porte-parole du Kremlin"
    assert peskov.country == "RU"
    assert (peskov.claim_count, peskov.event_count) == (2, 1)

    iran = (await queries.list_actors(cast, ActorFilters(kinds=["state"]), after_id=None, limit=1, languages=EN))[0]
    assert (iran.wikidata, iran.description_text, iran.affiliated_state) == ("Q794", "State", None)
    rt = await queries.get_actor(cast, "rt", EN)
    assert rt is not None and rt.affiliated_state == "russia"
    assert rt.label == "RT"  # no labels: the name
    assert rt.description_text is None
    kremlin = await queries.get_actor(cast, "kremlin", EN)
    assert kremlin is not None and (kremlin.claim_count, kremlin.event_count) == (0, 2)


async def test_actor_embeds_its_affiliations_with_periods_in_dataset_order(cast: asyncpg.Pool) -> None:
    minister = await queries.get_actor(cast, "hossein-amir-abdollahian", FR)
    assert minister is not None
    assert [(t.actor.id, t.role) for t in minister.affiliations] == [
        ("iran-mfa", "foreign minister"),
        ("iran", "envoy"),
    ]
    ministry, envoy = minister.affiliations
    assert ministry.actor.label == "ministère iranien des Affaires étrangères"
    assert ministry.actor.kind == "government_body"
    assert (ministry.start, ministry.start_earliest) == ("2021-08-25", date(2021, 8, 25))
    assert (ministry.end, ministry.end_latest) == ("2024-05-19", date(2024, 5, 19))
    assert (envoy.start, envoy.end) == ("2011?", "2016~")
    assert envoy.start_earliest is not None and envoy.start_earliest <= date(2011, 1, 1)
    assert envoy.end_latest is not None and envoy.end_latest >= date(2016, 12, 31)
    assert minister.affiliated_actors == [] and minister.media_outlets == []


async def test_open_periods_are_null(cast: asyncpg.Pool) -> None:
    peskov = await queries.get_actor(cast, "dmitry-peskov", EN)
    assert peskov is not None
    (tie,) = peskov.affiliations
    assert (tie.start, tie.start_earliest, tie.end, tie.end_latest) == ("2012", date(2012, 1, 1), None, None)


async def test_state_embeds_who_is_affiliated_with_it_and_its_media(cast: asyncpg.Pool) -> None:
    iran = await queries.get_actor(cast, "iran", EN)
    assert iran is not None
    assert [(t.actor.id, t.role) for t in iran.affiliated_actors] == [
        ("hossein-amir-abdollahian", "envoy"),
        ("iran-mfa", "ministry of"),
        ("iranian-officials", "officials of"),
    ]
    assert [o.id for o in iran.media_outlets] == ["nour-news", "press-tv"]
    assert iran.media_outlets[0].kind == "media_outlet"
    assert iran.affiliations == []
    russia = await queries.get_actor(cast, "russia", EN)
    assert russia is not None and [o.id for o in russia.media_outlets] == ["rt"]


async def test_unknown_actor_is_none(cast: asyncpg.Pool) -> None:
    assert await queries.get_actor(cast, "nobody", EN) is None
    assert await queries.get_actor(cast, "Not A Slug!", EN) is None
