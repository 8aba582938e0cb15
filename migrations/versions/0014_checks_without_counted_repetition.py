"""Format checks without counted repetition: the same values pass, at a fraction of the cost (issue 7).

PostgreSQL's regular expressions build their automaton's states afresh on every match, and a
counted repetition (`{4,64}`) is one state per count: `edtf`'s check,
`^[0-9X.?~%/\\[\\]{},:+ETYS-]{4,64}$`, built a new state for each character of each date, about
5 µs a value against 0.2 µs for `[…]+`. A `timeline synth` load checks about 45 million domain
values. A profile of its COPY phase found the regex engine at 9% of all CPU (`miss`,
`getvacant`, `shortest`). COPYing the claims' five domain columns (3 million rows) took 22.4 s
with these checks, 7.4-9.0 s with the new ones, 1.2 s with none.

Each check keeps its name and accepts exactly the values it did:
- a length moves out of the pattern into `octet_length`. Every character the pattern allows is
  ASCII, so once the pattern matches, bytes and characters are the same count;
- a language tag of two or three lower-case letters (nearly all of them) is tested first, and only
  the others go through the full pattern;
- the patterns run under `COLLATE "C"`. Bracket ranges are code points under every collation, and
  under the database's `C.UTF-8` the language-tag pattern took 1.0 µs a value against 0.6 µs.

tests/test_check_constraints.py compares the new checks with the old patterns on the same values.
`slug`'s check has no counted repetition; rewritten, it measured no faster, so it stays as it is.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HEX64 = r"""octet_length({0}) = 64 AND {0} COLLATE "C" ~ '^[0-9a-f]+$'"""

CHECKS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "DOMAIN",
        "edtf",
        "edtf_check",
        r"VALUE ~ '^[0-9X.?~%/\[\]{},:+ETYS-]{4,64}$'",
        r"""octet_length(VALUE) BETWEEN 4 AND 64 AND VALUE COLLATE "C" ~ '^[0-9X.?~%/\[\]{},:+ETYS-]+$'""",
    ),
    (
        "DOMAIN",
        "lang_tag",
        "lang_tag_check",
        r"VALUE ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'",
        r"""(octet_length(VALUE) BETWEEN 2 AND 3 AND VALUE COLLATE "C" ~ '^[a-z]+$')"""
        r""" OR VALUE COLLATE "C" ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'""",
    ),
    (
        "DOMAIN",
        "country_code",
        "country_code_check",
        r"VALUE ~ '^[A-Z]{2}$'",
        r"""octet_length(VALUE) = 2 AND VALUE COLLATE "C" ~ '^[A-Z]+$'""",
    ),
    ("TABLE", "sources", "sources_sha256_check", r"sha256 ~ '^[0-9a-f]{64}$'", HEX64.format("sha256")),
    (
        "TABLE",
        "dataset_items",
        "dataset_items_content_hash_check",
        r"content_hash ~ '^[0-9a-f]{64}$'",
        HEX64.format("content_hash"),
    ),
    (
        "TABLE",
        "api_keys",
        "api_keys_name_check",
        r"name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'",
        r"""octet_length(name) <= 63 AND name COLLATE "C" ~ '^[A-Za-z0-9][A-Za-z0-9._-]*$'""",
    ),
    ("TABLE", "api_keys", "api_keys_token_hash_check", r"token_hash ~ '^[0-9a-f]{64}$'", HEX64.format("token_hash")),
)
"""(DOMAIN or TABLE, its name, the check's name, the check before, the check after)."""


def _replace(new: bool) -> str:
    # Adding a check validates what is stored: a value the two definitions judged differently would stop the
    # migration rather than stay behind.
    return "\n".join(
        f"ALTER {kind} {owner} DROP CONSTRAINT {name};\n"
        f"ALTER {kind} {owner} ADD CONSTRAINT {name} CHECK ({after if new else before});"
        for kind, owner, name, before, after in CHECKS
    )


def upgrade() -> None:
    op.execute(_replace(new=True))


def downgrade() -> None:
    op.execute(_replace(new=False))
