"""`timeline keys create|list|revoke`: the token is printed once, only its hash is stored, revocation is immediate."""

from __future__ import annotations

from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.auth import hash_token
from api.cli import cli
from tests.story_factories import actor
from tests.write_helpers import bearer, fetch


async def test_create_list_and_revoke(database_url: str, client: AsyncTestClient[Litestar]) -> None:
    runner = CliRunner(env={"DATABASE_URL": database_url})
    created = runner.invoke(cli, ["keys", "create", "--name", "newsroom-bot", "--scope", "write"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("tl_") and len(token) > 40
    rows = await fetch(database_url, "SELECT name, scope, token_hash FROM api_keys")
    assert [(r["name"], r["scope"], r["token_hash"]) for r in rows] == [("newsroom-bot", "write", hash_token(token))]
    assert (await client.post("/v1/actors", json=actor("a"), headers=bearer(token))).status_code == 201

    duplicate = runner.invoke(cli, ["keys", "create", "--name", "newsroom-bot"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    bad_scope = runner.invoke(cli, ["keys", "create", "--name", "x", "--scope", "root"])
    assert bad_scope.exit_code == 2

    listed = runner.invoke(cli, ["keys", "list"])
    assert listed.exit_code == 0
    assert listed.output.startswith("newsroom-bot\twrite\tcreated ") and "active" in listed.output
    assert token not in listed.output

    revoked = runner.invoke(cli, ["keys", "revoke", "newsroom-bot"])
    assert revoked.exit_code == 0
    assert "revoked" in runner.invoke(cli, ["keys", "list"]).output
    assert (await client.post("/v1/actors", json=actor("b"), headers=bearer(token))).status_code == 401
    assert runner.invoke(cli, ["keys", "revoke", "newsroom-bot"]).exit_code == 1
