"""Helpers shared by the tests and the benchmarks (installed with the repository: ``pip install -e .``).

Nothing here is deployed.

* :mod:`~mockupaws_testkit.apigw` -- API Gateway REST events as API Gateway (and SAM's emulator) build them.
* :mod:`~mockupaws_testkit.lambda_context` -- a Lambda context object.
* :mod:`~mockupaws_testkit.handlers`, :mod:`~mockupaws_testkit.invoke` -- import a handler, call it.
* :mod:`~mockupaws_testkit.template` -- ``template.yaml``'s functions and routes.
* :mod:`~mockupaws_testkit.dbenv` -- a dedicated PostgreSQL a test may stop, and a function environment.
* :mod:`~mockupaws_testkit.synthetic` -- synthetic rows written straight into ``scenario_logs``.
* :mod:`~mockupaws_testkit.fakelogs` -- the one generator of fake log messages, records and ingest bodies.
* :mod:`~mockupaws_testkit.load` -- the load driver (producers over HTTP, aggregation alongside).
* :mod:`~mockupaws_testkit.browser` -- headless Debian Chromium through its ChromeDriver (the console test).
* :mod:`~mockupaws_testkit.consistency` -- the exact consistency check of a load run.
* ``lambda_runtime_probe.py`` -- run by path with the Lambda runtime's interpreter; imports nothing of ours.
"""
