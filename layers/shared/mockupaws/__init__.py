"""mockupAWS domain package: the shared Lambda layer. docs/architecture.md maps its rooms."""
