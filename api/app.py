"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
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
from api.database import create_pool
from api.dependencies import DEPENDENCIES
from api.gone import GoneRewriter
from api.http_cache import CACHE_HEADERS, cors_config, http_middleware
from api.logging import RequestLogger, configure_logging
from api.problems import http_exception_handler, internal_error_handler, write_error_handler
from api.routes import ROUTE_HANDLERS
from api.settings import Settings
from api.webhooks.worker import webhook_workers
from api.writes.errors import WriteError

PoolInit = Callable[[asyncpg.Connection], Awaitable[None]]


def _lifespan(
    settings: Settings, injected: asyncpg.Pool | None, pool_init: PoolInit | None
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if injected is not None:
            app.state.pool = injected
            async with webhook_workers(settings):
                yield
            return
        if not settings.database_url:
            raise RuntimeError("DATABASE_URL is not set: start the service with `timeline run`, which resolves it")
        pool = await create_pool(
            settings.database_url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            init=pool_init,
        )
        app.state.pool = pool
        try:
            async with webhook_workers(settings):
                yield
        finally:
            await pool.close()

    return lifespan


def _version() -> str:
    try:
        return version("timeline")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


def create_app(settings: Settings, *, pool: asyncpg.Pool | None = None, pool_init: PoolInit | None = None) -> Litestar:
    """Build the application.

    With ``pool``, the caller owns it (it must live on the event loop that serves the app). Otherwise the app makes
    one from ``settings.database_url`` when it starts, running ``pool_init`` on each new connection (the tests
    attach their query counter there), and closes it when it stops.
    """
    app = Litestar(
        route_handlers=ROUTE_HANDLERS,
        dependencies=DEPENDENCIES,
        state=State({"settings": settings}),
        guards=[read_guard],
        lifespan=[_lifespan(settings, pool, pool_init)],
        plugins=[ProblemDetailsPlugin(ProblemDetailsConfig())],
        exception_handlers={
            HTTPException: http_exception_handler,
            WriteError: write_error_handler,
            Exception: internal_error_handler,
        },
        cors_config=cors_config(settings.cors_origins),
        middleware=http_middleware(),
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
