"""Local development server for the mockupAWS SAM application (no Docker, no installed PostgreSQL).

* :mod:`mockupaws_local.server` -- ``start_server()``: ``template.yaml``'s API routed by SAM CLI's own
  API Gateway emulator, each function instance a worker process, and the template's schedules firing
  through the same runner.
* :mod:`mockupaws_local.runner` -- the Lambda runner (a pool of worker processes per function).
* :mod:`mockupaws_local.worker` -- one function instance (a process, like a Lambda execution environment).
* :mod:`mockupaws_local.gateway` -- API Gateway's limits, timeouts and error responses.
* :mod:`mockupaws_local.pg` -- ``DATABASE_URL`` or an embedded PostgreSQL.
* ``python -m mockupaws_local`` -- the ``make dev`` entry point.

Submodules are imported on demand: importing this package does not import SAM CLI.
"""
