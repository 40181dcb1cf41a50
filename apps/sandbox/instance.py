"""One simulated Marketo instance: its data, tokens, limits, faults, stats, and the
pipeline every call goes through (authentication, limits, faults, endpoint)."""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta
from http import HTTPStatus

from apps.marketo.codes import UNCOUNTED_CODES
from apps.sandbox.auth import TokenStore
from apps.sandbox.clock import Clock
from apps.sandbox.config import SandboxConfig
from apps.sandbox.endpoints import build_router
from apps.sandbox.endpoints.identity import identity_refused, token
from apps.sandbox.endpoints.users import user_service_failure
from apps.sandbox.envelope import MarketoError, error_body
from apps.sandbox.faults import FaultPlan
from apps.sandbox.limits import Limits
from apps.sandbox.roles import Roles, required_permissions, required_together
from apps.sandbox.routing import Request, Response, Router
from apps.sandbox.seed import AssetStore, LeadStore, UserDirectory
from apps.sandbox.stats import Stats

logger = logging.getLogger(__name__)


def http_error_page(status: int) -> str:
    """The HTML page a gateway answers with an HTTP error: {"http": 500} is an Internal
    Server error, {"http": 502} a Bad Gateway (error-codes.md lists both)."""
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    title = f"{status} {reason}"
    return f"<html><head><title>{title}</title></head><body>{reason}</body></html>"


class Instance:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = Clock()
        self.tokens = TokenStore(config.api_users, self.clock, config.token_ttl)
        self.roles = Roles(config.api_users)
        self.limits = Limits(config, self.clock)
        self.stats = Stats()
        self.faults = FaultPlan(config.fault_rate, config.seed, config.slow_seconds)
        self.router: Router = build_router()
        self._latency = random.Random(config.seed)  # noqa: S311 - simulation
        self.seed_data()

    # --- state --------------------------------------------------------------------------
    def seed_data(self) -> None:
        self.assets = AssetStore(seed=self.config.seed, munchkin_id=self.config.munchkin_id)
        self.leads = LeadStore(seed=self.config.seed, count=self.config.leads, assets=self.assets)
        self.directory = UserDirectory(
            seed=self.config.seed,
            api_users=[user.email for user in self.config.api_users],
            other_users=self.config.other_users,
        )
        self.dirty = False
        rng = random.Random(self.config.seed + 7)  # noqa: S311 - simulation
        users = [user.email for user in self.config.api_users] + self.config.other_users
        # Usage history for the 6 days before today, kept as "days ago" so that it stays
        # recent however long the sandbox runs (usage.md: Marketo keeps 7 days).
        self.usage_history = {
            ago: {user: rng.randrange(300, 9000) for user in users if rng.random() < 0.9}
            for ago in range(1, 7)
        }
        self.error_history = {
            ago: {
                code: rng.randrange(1, 60)
                for code in ("601", "602", "604", "606", "610", "1003")
                if rng.random() < 0.6
            }
            for ago in range(1, 7)
        }

    def reset(self, *, everything: bool = False) -> None:
        self.stats.reset()
        self.limits.reset_peaks()
        if everything:
            self.limits.reset()
            self.faults.clear()
            self.clock.reset()
            self.tokens.reset()
            self.roles.reset()
            self.stats = Stats()
            if self.dirty:
                self.seed_data()

    def last_days(self, count: int) -> list:
        today = self.clock.chicago_date()
        return [today - timedelta(days=ago) for ago in range(count)]

    # --- the pipeline -------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.path.startswith("/identity/"):
            return self._identity(request)
        if request.path.startswith(("/rest/", "/bulk/", "/userservice/")):
            return self._api(request)
        return Response(404, "Not Found", "text/plain")

    def _identity(self, request: Request) -> Response:
        client_id = request.form().get("client_id", [""])[0]
        fault = self.faults.take(request.path, client_id)
        response = self._apply_fault(fault) if fault and fault.kind != "hang" else None
        if response is None:
            if fault:
                time.sleep(fault.seconds)
            response = token(self, request)
        self.stats.record_identity(code=str(response.status) if not response.drop else "dropped")
        return response

    def _api(self, request: Request) -> Response:
        day = self.clock.chicago_date()
        token, query_token = self._token(request)
        try:
            request.user = self.tokens.check(token)
        except MarketoError as refused:
            return self._finish(
                request, error_body(refused.code, refused.message), None, day, query_token
            )
        try:
            ticket = self.limits.admit()
        except MarketoError as refused:
            return self._finish(
                request,
                error_body(refused.code, refused.message),
                None,
                day,
                query_token,
                counted=True,
            )
        response = None
        try:
            if self.config.latency_ms:
                time.sleep(self._latency.uniform(*self.config.latency_ms) / 1000)
            fault = self.faults.take(request.path, request.user.client_id)
            if fault:
                self.stats.record_fault()
                if fault.kind == "hang":
                    time.sleep(fault.seconds)
                else:
                    response = self._apply_fault(fault)
            if response is None:
                response = self._dispatch(request)
                if fault and fault.kind == "drop_after":
                    response = Response(drop=True)  # done, but the answer is lost
        finally:
            code = self._code(response) if response else "611"
            self.limits.release(ticket, code)
        return self._finish(
            request, response, code, ticket.day, query_token, counted=code not in UNCOUNTED_CODES
        )

    def _token(self, request: Request) -> tuple[str | None, bool]:
        """The token of the Authorization header, and whether the call also sent the
        access_token parameter."""
        # help/rest-api/authentication.md ("Using an Access Token"): every call must carry
        # its token in an HTTP header; support for the access_token query parameter was
        # removed on 31 August 2026. The parameter is not read: a call that has only it
        # has no token (601). It is still counted in the stats, to show who sends it.
        param = request.form().get("access_token", [None])[0]
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        return token, param is not None

    def _dispatch(self, request: Request) -> Response:
        route, params, other_method = self.router.match(request.method, request.path)
        if route is None:
            if other_method:
                return Response(body=error_body("605"))
            return Response(body=error_body("610", "Requested resource not found"))
        request.path_params = params
        request.route = route.template
        if not self.roles.allows(
            request.user, required_permissions(request.method, route.template)
        ) or not self.roles.allows_all(request.user, required_together(route.template)):
            return Response(body=error_body("603", "Access denied"))
        try:
            body = route.handler(self, request, **params)
        except MarketoError as failed:
            body = error_body(failed.code, failed.message)
        except Exception:
            # Never a stack trace to the client: Marketo answers 611 for unhandled errors.
            logger.exception("sandbox: %s %s failed", request.method, request.path)
            body = error_body("611", "System error")
        return body if isinstance(body, Response) else Response(body=body)

    def _apply_fault(self, fault) -> Response | None:
        if fault.kind == "error":
            return Response(body=error_body(fault.code))
        if fault.kind == "http":
            return Response(fault.status, http_error_page(fault.status), "text/html")
        if fault.kind == "drop":
            return Response(drop=True)
        if fault.kind == "identity_refused":
            return identity_refused()
        return None

    @staticmethod
    def _code(response: Response) -> str:
        if response.drop:
            return "dropped"
        return response.error_code() or str(response.status)

    def _finish(self, request, response, code, day, query_token, counted=False) -> Response:
        if not isinstance(response, Response):
            response = Response(body=response)
        code = code or self._code(response)
        user = getattr(request.user, "email", None)
        endpoint = getattr(request, "route", None) or f"{request.method} {request.path}"
        if not endpoint.startswith(request.method):
            endpoint = f"{request.method} {endpoint}"
        self.stats.record(
            endpoint=endpoint,
            code=code,
            user=user,
            counted=counted,
            day=day,
            query_token=query_token,
            error_code=response.error_code(),
        )
        if request.path.startswith("/userservice/") and response.error_code():
            return user_service_failure(response.body)
        return response

    def record_http_refusal(self, request: Request, status: int) -> None:
        """413 and 414 are answered before the API sees the call: nothing is counted."""
        self.stats.record(
            endpoint=f"{request.method} {request.path}",
            code=str(status),
            user=None,
            counted=False,
            day=self.clock.chicago_date(),
        )
