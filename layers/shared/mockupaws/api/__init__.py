"""The HTTP edge shared by the handlers: the resolver, error mapping, OpenAPI pieces and parameters."""
