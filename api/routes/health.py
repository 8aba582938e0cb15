"""Liveness and readiness."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from api.database import CONNECTION_ERRORS
from api.dependencies import PoolDep, WritePoolDep
from api.migrate import head_revision
from api.problems import PROBLEM_JSON, Problem, problem
from api.queries import health as queries

UNREACHABLE = "urn:timeline:problem:database-unreachable"
MIGRATIONS_BEHIND = "urn:timeline:problem:migrations-behind"


class Health(msgspec.Struct, frozen=True):
    """The process is alive."""

    status: str


class Readiness(msgspec.Struct, frozen=True):
    """The database answers and its schema is at the revision this code expects."""

    status: str
    revision: str | None


NOT_READY = ResponseSpec(
    generate_examples=False,
    data_container=Problem,
    media_type=PROBLEM_JSON,
    description=(
        f"Not ready. `type` is `{UNREACHABLE}` when the database cannot be reached, or `{MIGRATIONS_BEHIND}` "
        "(with `current_revision` and `expected_revision`) when its schema is not at the expected revision."
    ),
)


BAD_TIMEOUT = ResponseSpec(
    generate_examples=False,
    data_container=Problem,
    media_type=PROBLEM_JSON,
    description="`timeout` is not a number of seconds from 0.05 to 30; `errors` names it.",
)


class HealthController(Controller):
    """Probes for orchestrators and load balancers."""

    tags = ["health"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get("/health", summary="Liveness")
    async def health(self) -> Health:
        """Answer 200 while the process can serve requests; touches no database."""
        return Health(status="ok")

    @get("/ready", summary="Readiness", responses={400: BAD_TIMEOUT, 503: NOT_READY})
    async def ready(
        self,
        pool: PoolDep,
        primary_pool: WritePoolDep,
        timeout: Annotated[
            float,
            Parameter(ge=0.05, le=30, description="Seconds to wait for the database before giving up (0.05 to 30)."),
        ] = 2.0,
    ) -> Readiness:
        """Answer 200 when the database (the primary, and the read replica when there is one) is reachable and
        migrated to head, else 503 saying which is wrong."""
        which = "The database"
        try:
            async with primary_pool.acquire(timeout=timeout) as conn:
                current = await queries.fetch_revision(conn, timeout=timeout)
            if pool is not primary_pool:  # DATABASE_READ_URL: the replica must answer too
                which = "The read replica"
                async with pool.acquire(timeout=timeout) as conn:
                    await queries.fetch_revision(conn, timeout=timeout)
        except CONNECTION_ERRORS as exc:
            raise problem(
                503,
                f"{which} cannot be reached ({type(exc).__name__}).",
                type_=UNREACHABLE,
                title="Database unreachable",
            ) from exc
        expected = head_revision()
        if current != expected:
            raise problem(
                503,
                f"The database is at revision {current or 'base'}, the code expects {expected}: "
                "run `timeline migrate`.",
                type_=MIGRATIONS_BEHIND,
                title="Migrations behind",
                extra={"current_revision": current, "expected_revision": expected},
            )
        return Readiness(status="ok", revision=current)
