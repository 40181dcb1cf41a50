"""The `sandbox` fixture: a running Marketo sandbox for tests (see apps/sandbox)."""
