"""Every result type: what the probes return, what the fleet state keeps and what the screens read.

Frozen dataclasses, so a result can cross threads and be compared cheaply; no I/O and no collector is imported
here, so the UI can import these types without the HTTP client or a backend's library.
"""

from probes.model.alerts import Alert, AlertState, sort_alerts
from probes.model.estimate import ModelTokens, SpendEstimate
from probes.model.launchd import LaunchdJob, LaunchdResult
from probes.model.litellm import Deployment, KeySpend, LiteLLMResult
from probes.model.logs import DEFAULT_LINES, LogEvent, LogEventsResult, LogSource
from probes.model.prometheus import PromResult
from probes.model.queue import QueueResult
from probes.model.results import (
    MESSAGE_KEYS,
    ContainerInfo,
    DockerResult,
    ErrorKind,
    HealthResult,
    MetricsDerived,
    MetricsResult,
    Probe,
    ProbeError,
    ProcessResult,
    Status,
)
from probes.model.spend import (
    BURN_WINDOW,
    BudgetState,
    LedgerResult,
    Runaway,
    SpendRow,
    SpendSummary,
    size_text,
)
from probes.model.systemd import RESTARTS_ON, UNSET, SystemdResult, SystemdUnit
from probes.model.verdict import MEMORY_WARN, Verdict, combine, decide, effective

__all__ = [
    "BURN_WINDOW",
    "DEFAULT_LINES",
    "MEMORY_WARN",
    "MESSAGE_KEYS",
    "RESTARTS_ON",
    "UNSET",
    "Alert",
    "AlertState",
    "BudgetState",
    "ContainerInfo",
    "Deployment",
    "DockerResult",
    "ErrorKind",
    "HealthResult",
    "KeySpend",
    "LaunchdJob",
    "LaunchdResult",
    "LedgerResult",
    "LiteLLMResult",
    "LogEvent",
    "LogEventsResult",
    "LogSource",
    "MetricsDerived",
    "MetricsResult",
    "ModelTokens",
    "Probe",
    "ProbeError",
    "ProcessResult",
    "PromResult",
    "QueueResult",
    "Runaway",
    "SpendEstimate",
    "SpendRow",
    "SpendSummary",
    "Status",
    "SystemdResult",
    "SystemdUnit",
    "Verdict",
    "combine",
    "decide",
    "effective",
    "size_text",
    "sort_alerts",
]
