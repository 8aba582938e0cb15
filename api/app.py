"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

import asyncpg
from litestar import Litestar
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin

from api.auth import SECURITY_SCHEMES, read_guard
from api.common_lexemes import CommonLexemes
from api.database import PRIMARY_APPLICATION_NAME, READ_APPLICATION_NAME, create_pool
from api.dependencies import DEPENDENCIES
from api.feed_head import FeedHead
from api.gone import GoneRewriter
from api.http_cache import CACHE_HEADERS, cors_config, http_middleware
from api.logging import RequestLogger, configure_logging
from api.problems import http_exception_handler, internal_error_handler, write_conflict_handler, write_error_handler
from api.routes import ROUTE_HANDLERS
from api.settings import Settings
from api.stream import stream_lifespan
from api.webhooks.worker import webhook_workers
from api.writes.errors import WriteError

PoolInit = Callable[[asyncpg.Connection], Awaitable[None]]


def _lifespan(
    settings: Settings, injected: asyncpg.Pool | None, pool_init: PoolInit | None
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if injected is not None:
            app.state.pool = app.state.read_pool = injected
            async with webhook_workers(settings):
                yield
            return
        if not settings.database_url:
            raise RuntimeError("DATABASE_URL is not set: start the service with `timeline run`, which resolves it")
        async with AsyncExitStack() as pools:
            # `state.pool` is always the primary: writes, the changes feed, API keys, tombstones and anything else
            # reading `app.state.pool` directly. `state.read_pool` serves the read handlers (`PoolDep`).
            app.state.pool = await _open_pool(
                pools, settings, settings.database_url, PRIMARY_APPLICATION_NAME, pool_init
            )
            app.state.read_pool = app.state.pool
            if settings.database_read_url:
                app.state.read_pool = await _open_pool(
                    pools, settings, settings.database_read_url, READ_APPLICATION_NAME, pool_init
                )
            async with webhook_workers(settings):
                yield

    return lifespan


def _common_lexemes_lifespan(app: Litestar) -> AbstractAsyncContextManager[None]:
    """Search's copy of the common lexemes (`api.common_lexemes`) on `app.state.common_lexemes`, read on the read
    pool when the app starts and kept fresh while it runs."""
    lexemes: CommonLexemes = app.state.common_lexemes
    return lexemes.kept_fresh(app.state.read_pool)


def _feed_head_lifespan(settings: Settings) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """One feed-head listener per process (`api.feed_head`), on `app.state.feed_head` (``None`` when off)."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if not settings.feed_listen or not settings.database_url:
            yield
            return
        head = FeedHead(
            settings.database_url,
            recheck_seconds=settings.feed_recheck_seconds,
            # Lists are read on the replica when there is one: the head they are tagged with must be read there too.
            head_url=settings.database_read_url,
        )
        await head.start()
        app.state.feed_head = head
        try:
            async with webhook_workers(settings):
                yield
        finally:
            app.state.feed_head = None
            await head.stop()

    return lifespan


async def _open_pool(
    pools: AsyncExitStack, settings: Settings, url: str, application_name: str, pool_init: PoolInit | None
) -> asyncpg.Pool:
    pool = await create_pool(
        url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        init=pool_init,
        statement_cache_size=settings.statement_cache_size,
        application_name=application_name,
    )
    pools.push_async_callback(pool.close)
    return pool


def _version() -> str:
    try:
        return version("timeline")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


def create_app(settings: Settings, *, pool: asyncpg.Pool | None = None, pool_init: PoolInit | None = None) -> Litestar:
    """Build the application.

    With ``pool``, the caller owns it (it must live on the event loop that serves the app) and it serves everything.
    Otherwise the app makes one from ``settings.database_url`` when it starts, and a second one for the read handlers
    from ``settings.database_read_url`` when that is set, running ``pool_init`` on each new connection of both (the
    tests attach their query counter there), and closes them when it stops.
    """
    app = Litestar(
        route_handlers=ROUTE_HANDLERS,
        dependencies=DEPENDENCIES,
        state=State({"settings": settings, "feed_head": None, "common_lexemes": CommonLexemes()}),
        guards=[read_guard],
        lifespan=[
            _lifespan(settings, pool, pool_init),
            _common_lexemes_lifespan,
            _feed_head_lifespan(settings),
            stream_lifespan(settings.feed_recheck_seconds),
        ],
        plugins=[ProblemDetailsPlugin(ProblemDetailsConfig())],
        exception_handlers={
            HTTPException: http_exception_handler,
            WriteError: write_error_handler,
            asyncpg.TransactionRollbackError: write_conflict_handler,
            Exception: internal_error_handler,
        },
        cors_config=cors_config(settings.cors_origins),
        middleware=http_middleware(settings.rate_limit),
        response_headers=CACHE_HEADERS,
        openapi_config=OpenAPIConfig(
            title="Timeline API",
            version=_version(),
            description="A story's timeline: events, people, places and the sources that back them.",
            path="/schema",
            use_handler_docstrings=True,
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger"), JsonRenderPlugin()],
            components=Components(security_schemes=SECURITY_SCHEMES),
        ),
        logging_config=None,
    )
    app.asgi_handler = RequestLogger(GoneRewriter(app.asgi_handler, app.state))
    return app


def create_app_from_env() -> Litestar:
    """Entry point for ASGI servers (``granian --interface asgi --factory api.app:create_app_from_env``).

    Settings come from the environment, where ``timeline run`` has put ``DATABASE_URL``."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
