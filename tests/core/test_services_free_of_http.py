"""Services, selectors and tasks never see HTTP: a view builds the audit context
(apps.audit.context) and passes plain values, so a task or a command calls the same function
the same way. Read from the source, so a new module is checked without being listed."""

import ast
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[2] / "apps"
LAYER_NAMES = ("services", "selectors", "tasks")
# Modules that write the audit trail on behalf of a service (a worker's sync, an asset
# action, a key rotation, the lead detail page's service) are held to the same rule; the
# HTTP layer that builds the context is not.
HTTP_LAYER = {"views.py", "api.py", "signals.py"}
# A selector's "get or 404" may still raise Http404; nothing else of django.http is allowed.
ALLOWED_FROM_DJANGO_HTTP = {"Http404"}


def _modules() -> list[Path]:
    found = set()
    for name in LAYER_NAMES:
        found.update(APPS.glob(f"*/{name}.py"))
        found.update(APPS.glob(f"*/{name}/**/*.py"))
    for path in APPS.rglob("*.py"):
        if path.name not in HTTP_LAYER and "apps.audit.services" in path.read_text():
            found.add(path)
    return sorted(found)


def _problems(path: Path) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
            if "request" in names:
                problems.append(f"line {node.lineno}: {getattr(node, 'name', 'lambda')}(request)")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django.http"):
            names = {alias.name for alias in node.names} - ALLOWED_FROM_DJANGO_HTTP
            if names or node.module != "django.http":
                problems.append(f"line {node.lineno}: from {node.module} import {names}")
        elif isinstance(node, ast.Import):
            problems += [
                f"line {node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.startswith("django.http")
            ]
    return problems


def test_the_check_finds_the_modules_it_guards():
    found = {str(path.relative_to(APPS)) for path in _modules()}
    assert {"audit/services.py", "leads/selectors.py", "leads/tasks.py"} <= found
    assert "leads/detail.py" in found  # writes the trail without being named services.py
    assert not found & {"leads/views.py", "leads/api.py", "accounts/signals.py"}


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(APPS)))
def test_no_service_selector_or_task_takes_or_imports_http(path):
    assert _problems(path) == []


def test_the_check_catches_a_request_parameter_and_an_http_import(tmp_path):
    module = tmp_path / "services.py"
    module.write_text(
        "from django.http import HttpRequest, Http404\n"
        "import django.http.response\n"
        "def thing_do(*, request=None):\n"
        "    pass\n"
    )
    assert _problems(module) == [
        "line 1: from django.http import {'HttpRequest'}",
        "line 2: import django.http.response",
        "line 3: thing_do(request)",
    ]
