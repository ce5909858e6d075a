"""Typed configuration (probes.config.models, .policy), loaded and checked by probes.config.load.

The models are re-exported here: `from probes.config import FleetConfig`.
"""

from probes.config.models import (
    DockerConfig,
    FleetConfig,
    HealthConfig,
    LaunchdConfig,
    LedgerConfig,
    LiteLLMConfig,
    LogsConfig,
    MetricNames,
    MetricsConfig,
    ModelPrice,
    ProcessConfig,
    PrometheusConfig,
    QueueConfig,
    ServiceConfig,
    SystemdConfig,
    timeout_for,
)
from probes.config.policy import (
    ActionsConfig,
    AlertRule,
    AlertsConfig,
    BudgetConfig,
    CommandConfig,
    ControlConfig,
    ControlEndpoint,
    Thresholds,
)
from probes.config.routes import NO_SERVICE, ledger_keys, ledger_readers

__all__ = [
    "NO_SERVICE",
    "ActionsConfig",
    "AlertRule",
    "AlertsConfig",
    "BudgetConfig",
    "CommandConfig",
    "ControlConfig",
    "ControlEndpoint",
    "DockerConfig",
    "FleetConfig",
    "HealthConfig",
    "LaunchdConfig",
    "LedgerConfig",
    "LiteLLMConfig",
    "LogsConfig",
    "MetricNames",
    "MetricsConfig",
    "ModelPrice",
    "ProcessConfig",
    "PrometheusConfig",
    "QueueConfig",
    "ServiceConfig",
    "SystemdConfig",
    "Thresholds",
    "ledger_keys",
    "ledger_readers",
    "timeout_for",
]
