"""Every route handler of the API. Add a controller to ``ROUTE_HANDLERS`` to serve it."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from api.routes.actors import ActorController
from api.routes.changes import ChangesController
from api.routes.citations import CitationController
from api.routes.claims import ClaimsController
from api.routes.events import EventsController
from api.routes.feeds import FeedsController
from api.routes.health import HealthController
from api.routes.propositions import PropositionsController
from api.routes.search import SearchController
from api.routes.sources import SourceController
from api.routes.stream import ChangeStreamController
from api.routes.timeline import TimelineController
from api.routes.webhooks import WebhooksController
from api.routes.writes import WRITE_HANDLERS

ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    HealthController,
    EventsController,
    TimelineController,
    SourceController,
    CitationController,
    ClaimsController,
    PropositionsController,
    ActorController,
    SearchController,
    ChangesController,
    FeedsController,
    ChangeStreamController,
    WebhooksController,
    # Last: the write handlers join the routes the read controllers made for the same paths (Litestar 2 cannot
    # merge a controller into an existing route, only plain handlers: see api/routes/writes.py).
    *WRITE_HANDLERS,
]
