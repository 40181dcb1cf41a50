"""The contract tests share the sandbox tests' authenticated session."""

from tests.sandbox.conftest import api  # noqa: F401 - a fixture
