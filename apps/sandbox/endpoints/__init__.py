"""The endpoints the sandbox serves, one module per API family."""

from apps.sandbox.endpoints import activities, assets, leads, usage, users
from apps.sandbox.routing import Router


def build_router() -> Router:
    router = Router()
    for module in (leads, activities, usage, assets, users):
        module.register(router)
    return router
