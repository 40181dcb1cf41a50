"""The Marketo client library: plain Python, no Django views, no models.

It is handed an `InstanceConfig` (from `apps.instances.credentials`) and speaks to one
Marketo instance. See docs/architecture.md, "How a call flows".
"""
