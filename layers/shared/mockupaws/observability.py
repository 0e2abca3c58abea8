"""Logging and metrics (powertools). Log records never carry a log message or a request body."""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="mockupaws")
