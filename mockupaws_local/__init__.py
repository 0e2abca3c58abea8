"""Local development server for the mockupAWS SAM application (no Docker, no installed PostgreSQL).

* :mod:`mockupaws_local.server` -- ``start_server()``: ``template.yaml``'s API routed by SAM CLI's own
  API Gateway emulator, with the Lambda handlers running in-process, and the template's schedules
  firing in-process.
* :mod:`mockupaws_local.runner` -- the in-process Lambda runner (one thread per function instance).
* :mod:`mockupaws_local.pg` -- ``DATABASE_URL`` or an embedded PostgreSQL.
* ``python -m mockupaws_local`` -- the ``make dev`` entry point.

Submodules are imported on demand: importing this package does not import SAM CLI.
"""
