"""Typed configuration: a fleet of logical services, each joining whichever sources it has.

Loaded from YAML with the line of every key kept, so an error can say `config.yaml: services[2].health.url
(line 14): ...`. The models are plain frozen dataclasses; `probes.config.load` turns YAML into them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from probes.config.policy import ActionsConfig, AlertsConfig, BudgetConfig, CommandConfig, ControlConfig, Thresholds


@dataclass(frozen=True)
class HealthConfig:
    """An HTTP health endpoint answering the health JSON convention (see README)."""

    url: str
    """Full URL of the endpoint, e.g. http://127.0.0.1:8101/health."""
    interval: float | None = None
    """Seconds between polls; defaults to the fleet's refresh_interval."""
    timeout: float | None = None
    """Seconds before a poll counts as failed (UNKNOWN); must be below the interval. Default: half the interval."""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra request headers; use ${ENV_VAR} for secrets, e.g. 'Bearer ${AGENT_TOKEN}'."""
    token_env: str | None = None
    """Name of an environment variable holding a bearer token sent as Authorization."""


@dataclass(frozen=True)
class MetricNames:
    """Prometheus metric names to read; the defaults are the deployment guide's."""

    requests: str = "agent_requests_total"
    """Counter of requests with a status label; error rate comes from its deltas."""
    tokens: str = "agent_tokens_total"
    """Counter of tokens with a direction label (input/output); tokens per minute come from its deltas."""
    duration: str = "agent_request_duration_seconds"
    """Histogram of request latency; p95 comes from its bucket deltas."""
    active_tasks: str = "agent_active_tasks"
    """Gauge of tasks running now."""
    cost_hourly: str = "agent_cost_estimate_hourly"
    """Gauge of the service's own estimate of USD per hour."""
    breaker: str = "agent_circuit_breaker_state"
    """Gauge per dependency label: 0 closed, 1 half-open, 2 open."""


@dataclass(frozen=True)
class MetricsConfig:
    """A Prometheus /metrics endpoint scraped directly."""

    url: str
    """Full URL, e.g. http://127.0.0.1:8101/metrics."""
    interval: float | None = None
    """Seconds between scrapes; defaults to the fleet's refresh_interval."""
    timeout: float | None = None
    """Seconds before a scrape counts as failed; default half the interval."""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra request headers (${ENV_VAR} allowed)."""
    token_env: str | None = None
    """Name of an environment variable holding a bearer token."""
    names: MetricNames = field(default_factory=MetricNames)
    """Metric names, when the service does not use the defaults."""
    status_label: str = "status"
    """Label of the requests counter that says success or failure."""
    error_statuses: list[str] = field(default_factory=lambda: ["error", "failure", "failed"])
    """Values of status_label that count as errors (HTTP codes 5xx always do)."""
    breaker_label: str = "dependency"
    """Label of the breaker gauge naming the dependency."""
    prices: dict[str, ModelPrice] = field(default_factory=dict)
    """Per-model prices for the spend estimated from the token counter when no ledger reads the service; other
    models are priced by genai-prices (one priced by neither is named, not counted as free)."""


@dataclass(frozen=True)
class ProcessConfig:
    """A local process whose CPU and memory are shown (psutil)."""

    pidfile: str | None = None
    """File holding the PID; re-read every poll so restarts are followed."""
    pid: int | None = None
    """A fixed PID, for a process that is never restarted."""


@dataclass(frozen=True)
class ModelPrice:
    """A price override for one model, in USD per million tokens (wins over the genai-prices table)."""

    input_per_mtok: float
    """USD per million input (prompt) tokens."""
    output_per_mtok: float = 0.0
    """USD per million output (completion) tokens."""


@dataclass(frozen=True)
class LedgerConfig:
    """A cost ledger: JSON lines, CSV, a SQLite table or a LiteLLM SpendLogs export (one record per LLM call)."""

    path: str
    """Path of the ledger file (or SQLite database); several services may share one."""
    service: str | None = None
    """Value of the record's `service` field that belongs to this service; defaults to the service's name."""
    format: Literal["jsonl", "csv", "sqlite", "litellm"] = "jsonl"
    """jsonl (one JSON object per line), csv (header row), sqlite (a table, read-only), litellm (SpendLogs rows
    as JSON lines or one JSON array)."""
    columns: dict[str, str] = field(default_factory=dict)
    """Where each field is in the source: {timestamp: created_at, cost_usd: spend, service: metadata.agent}.
    Dotted names reach into nested JSON objects. Unmapped fields use their own name (litellm: its columns)."""
    table: str = "ledger"
    """sqlite: the table to read (its rowid orders the records)."""
    query: str | None = None
    """sqlite: a SELECT instead of the table; its first column must be an increasing id compared with :after."""
    timezone: Literal["local", "utc"] | None = None
    """Zone of timestamps without an offset: local, or utc (the default for litellm, which stores UTC)."""
    prices: dict[str, ModelPrice] = field(default_factory=dict)
    """Per-model prices for records with tokens and no cost; other models are priced by genai-prices."""


@dataclass(frozen=True)
class DockerConfig:
    """A Docker container or Compose project (collected by the Docker backend)."""

    container: str | None = None
    """Container name or ID."""
    compose_project: str | None = None
    """A Compose project whose containers are grouped by service label."""
    compose_service: str | None = None
    """With compose_project: only this Compose service's containers (one row). Without it, the project is
    expanded into one row per Compose service when the dashboard starts."""
    host: str | None = None
    """Docker host (unix://, tcp://, ssh://); default DOCKER_HOST or the local socket."""
    stop_timeout: float = 10.0
    """Seconds a restart, stop or drain waits after SIGTERM before the engine sends SIGKILL."""
    stats: bool = True
    """Sample CPU and memory (one one-shot stats request per running container every stats_interval)."""
    stats_interval: float = 10.0
    """Seconds between two CPU/memory samples of a container. Each sample is a stats request dockerd must serve:
    at 50 containers, every 2 s costs dockerd about 3.6% of a core here, every 10 s stays under 2%."""


@dataclass(frozen=True)
class SystemdConfig:
    """A systemd unit (collected over D-Bus by the systemd backend)."""

    unit: str | None = None
    """Unit name, e.g. agent.service."""
    unit_pattern: str | None = None
    """Glob of unit names, e.g. agent-*.service."""
    bus: Literal["system", "user"] = "system"
    """Which bus the unit lives on."""
    bus_address: str | None = None
    """D-Bus address; default DBUS_SYSTEM_BUS_ADDRESS or the standard socket."""
    journal_directory: str | None = None
    """Read the unit's journal from these journal files (journalctl --directory), e.g. a container's or another
    root's /var/log/journal; default the local journal."""
    throttle_cpu_percent: float = 50.0
    """CPU quota (percent of one CPU) that throttle sets on the unit at runtime (SetUnitProperties)."""
    throttle_memory_high: int | None = None
    """MemoryHigh in bytes that throttle also sets (the kernel reclaims and slows the unit above it)."""


@dataclass(frozen=True)
class LaunchdConfig:
    """A launchd job on macOS (collected with launchctl by the launchd backend)."""

    label: str | None = None
    """Job label, e.g. com.example.agent."""
    label_prefix: str | None = None
    """Or every job whose label starts with this (found with `launchctl list`), e.g. com.example.agent."""
    domain: str = "gui"
    """gui (gui/UID of the dashboard's user) for LaunchAgents, gui/UID, user/UID, or system for LaunchDaemons."""


@dataclass(frozen=True)
class LogEventNames:
    """Other names an agent logs the guide's events under (its `event` field), beside the guide's own."""

    circuit_opened: list[str] = field(default_factory=list)
    circuit_closed: list[str] = field(default_factory=list)
    rate_limited: list[str] = field(default_factory=list)
    tool_failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LogsConfig:
    """A log file the service writes (its stderr redirected, say): the logs view (`l`) shows it."""

    path: str
    """The file; followed across rotation (rename or copy-truncate)."""
    format: Literal["json", "text"] = "text"
    """json: one JSON object a line (timestamp, level, event, then its other fields); text: lines as written."""
    events: LogEventNames = field(default_factory=LogEventNames)
    """{circuit_opened: [breaker_tripped], rate_limited: [throttled]}: an agent's own names for the events."""


@dataclass(frozen=True)
class PrometheusConfig:
    """A Prometheus server queried with PromQL: one query per metric family for every service it serves."""

    url: str | None = None
    """Base URL, e.g. http://127.0.0.1:9090. In a service's block it may be left out to use the fleet's server."""
    selector: str = ""
    """Label matchers added to every query, e.g. env="prod" (without braces)."""
    label: str = "job"
    """The label whose value names the service; queries aggregate `by (label)`."""
    value: str | None = None
    """In a service's block: the value of `label` that is this service; default the service's name."""
    window: str = "5m"
    """Range of rate() in every query (a PromQL duration); the guide's 5m."""
    interval: float | None = None
    """Seconds between polls of the server; defaults to the fleet's refresh_interval."""
    timeout: float | None = None
    """Seconds before a poll fails (sent to Prometheus as `timeout=` too); default half the interval."""
    token_env: str | None = None
    """Environment variable holding a bearer token."""
    basic_user: str | None = None
    """User name for HTTP basic auth (with basic_password_env)."""
    basic_password_env: str | None = None
    """Environment variable holding the basic-auth password."""
    names: MetricNames = field(default_factory=MetricNames)
    """Metric names, when the services do not use the defaults."""
    status_label: str = "status"
    """Label of the requests counter that says success or failure."""
    error_statuses: list[str] = field(default_factory=lambda: ["error", "failure", "failed"])
    """Values of status_label that count as errors (HTTP codes 5xx always do)."""
    breaker_label: str = "dependency"
    """Label of the breaker gauge naming the dependency."""
    alerts: bool = True
    """Also read the server's pending and firing alerts (/api/v1/alerts) and show them on their services."""
    sparkline_s: float = 600.0
    """Seconds of history fetched with query_range for the sparklines (at most 120 points)."""


@dataclass(frozen=True)
class QueueConfig:
    """Redis task queues (lists) that N workers pull from; read in one pipelined round trip per poll."""

    redis_url: str
    """Redis URL, e.g. redis://127.0.0.1:6379/0."""
    keys: list[str]
    """Lists holding pending tasks; the depth is the sum of their lengths."""
    inflight_keys: list[str] = field(default_factory=list)
    """Lists of tasks taken but not finished (the RPOPLPUSH/BLMOVE processing lists)."""
    dead_letter_keys: list[str] = field(default_factory=list)
    """Lists of tasks that failed for good."""
    password_env: str | None = None
    """Environment variable holding the Redis password (never put it in redis_url)."""
    enqueued_counter: str | None = None
    """Key of a counter (INCR) the producers bump per task: exact enqueue rates."""
    dequeued_counter: str | None = None
    """Key of a counter the workers bump per task taken: exact dequeue rates (else derived from depth deltas)."""
    timestamp_field: str | None = None
    """JSON field of a task holding its enqueue time (epoch seconds or ISO 8601): the oldest task's age."""
    oldest_end: Literal["right", "left"] = "right"
    """End of the list where the oldest task sits: right for LPUSH + BRPOP/RPOPLPUSH, left for RPUSH + BLPOP."""
    heartbeat_keys: list[str] = field(default_factory=list)
    """Keys each worker refreshes with a TTL (SET key v EX n); a worker is alive while its key exists."""
    worker_client_prefix: str | None = None
    """Count as workers the Redis clients whose CLIENT SETNAME starts with this (from CLIENT LIST)."""
    depth_limit: int | None = None
    """The queue depth limit: more pending tasks fire the queue_depth alert rule (the guide's "active tasks >
    queue depth limit"; its threshold is a multiple of this limit, default 1)."""
    depth_crit: int | None = None
    """Pending tasks above this turn the service CRIT at once (a hard line beside the alert rule)."""
    window_s: float = 30.0
    """Seconds of polls over which enqueue and dequeue rates are computed."""
    interval: float | None = None
    """Seconds between polls; defaults to the fleet's refresh_interval."""
    timeout: float | None = None
    """Seconds before a poll counts as failed; must be below the interval. Default: half the interval."""


@dataclass(frozen=True)
class LiteLLMConfig:
    """A LiteLLM model proxy: liveness, readiness and its Prometheus metrics (never its costly /health)."""

    url: str
    """Base URL of the proxy, e.g. http://127.0.0.1:4000."""
    key_env: str | None = None
    """Environment variable holding a key sent as Bearer (needed when /metrics requires auth)."""
    spend: bool = True
    """Count the proxy's spend (litellm_spend_metric_total) in the fleet's spend, by model and key; turn it off
    when the agents' own ledgers already count these calls."""
    interval: float | None = None
    """Seconds between polls; defaults to the fleet's refresh_interval."""
    timeout: float | None = None
    """Seconds before a poll counts as failed; must be below the interval. Default: half the interval."""


@dataclass(frozen=True)
class ServiceConfig:
    """One logical service: one row on the dashboard, joining all of its sources."""

    name: str
    """Unique name shown on the dashboard."""
    kind: str = "agent"
    """Free label shown in the detail view: agent, proxy, worker, queue..."""
    description: str = ""
    """One line shown in the detail view."""
    health: HealthConfig | None = None
    """HTTP health endpoint."""
    metrics: MetricsConfig | None = None
    """Prometheus /metrics endpoint."""
    process: ProcessConfig | None = None
    """Local process for CPU and memory."""
    ledger: LedgerConfig | None = None
    """Cost ledger for spend today."""
    docker: DockerConfig | None = None
    """Docker container or Compose project."""
    systemd: SystemdConfig | None = None
    """systemd unit."""
    launchd: LaunchdConfig | None = None
    """launchd job."""
    logs: LogsConfig | None = None
    """A log file; without one, `l` shows the container's logs, the unit's journal or the job's output files."""
    prometheus: PrometheusConfig | None = None
    """Prometheus server for this service."""
    queue: QueueConfig | None = None
    """Redis task queues this service's workers pull from."""
    litellm: LiteLLMConfig | None = None
    """A LiteLLM model proxy (this service is the proxy)."""
    control: ControlConfig | None = None
    """HTTP control endpoints."""
    command: CommandConfig | None = None
    """Commands (argv lists) for actions without a control endpoint."""
    thresholds: Thresholds | None = None
    """Per-service thresholds; default the fleet's."""
    budgets: BudgetConfig | None = None
    """This service's own daily/monthly spend budgets; over them its row turns WARN or CRIT with the reason."""
    alerts: AlertsConfig | None = None
    """This service's alert rules; each key set here wins over the fleet's."""


@dataclass(frozen=True)
class FleetConfig:
    """The whole file."""

    services: list[ServiceConfig]
    """The logical services, one row each, in this order."""
    refresh_interval: float = 2.0
    """Default seconds between polls of every source."""
    daily_budget_usd: float | None = None
    """Fleet-wide daily LLM budget in USD; the header shows today's spend against it."""
    read_only: bool = False
    """Disable every action (restart, throttle, drain)."""
    max_read_bytes: int = 1_048_576
    """Cap on the bytes read from one HTTP response (default 1 MiB); more is an error, not a hang."""
    concurrency: int = 100
    """Most HTTP polls in flight at once across the fleet."""
    thresholds: Thresholds = field(default_factory=Thresholds)
    """Fleet-wide status thresholds."""
    budgets: BudgetConfig = field(default_factory=BudgetConfig)
    """Fleet-wide spend budgets (the header's budget bar); budgets.daily_usd wins over daily_budget_usd."""
    actions: ActionsConfig = field(default_factory=ActionsConfig)
    """The action safety layer: bulk cap, storm guard, timeouts, audit journal."""
    prometheus: PrometheusConfig | None = None
    """A Prometheus server that serves every service (one query per metric family for the whole fleet)."""
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    """Fleet-wide built-in alert rules and the bell."""
    model_tiers: dict[str, list[str]] = field(default_factory=dict)
    """Tier -> models (a name, or a prefix ending in *): {fast: [claude-haiku*], standard: [claude-sonnet*]}; a
    model in none is tiered by its cost per million tokens."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Key rebinding by binding id, e.g. {"overview.sort": "o", "app.quit": "ctrl+q"} (see the README)."""
    theme: str | None = None
    """The dashboard's Textual theme (nord, gruvbox, ...: `agentops-tui --theme x` lists them); --theme wins."""
    source: str = "<memory>"
    """Where the config was loaded from (set by the loader, not read from the file)."""
    expansions: tuple[tuple[str, str, str], ...] = ()
    untrusted: str | None = None
    """Why this file's commands are refused (set by the loader): someone else can change the file."""
    """(key path, variable, value) of every ${VAR} the loader expanded (set by the loader): what redaction hides."""

    def interval_of(self, value: float | None) -> float:
        """The poll interval for a source, falling back to the fleet's."""
        return value if value is not None else self.refresh_interval

    def prometheus_of(self, service: ServiceConfig) -> PrometheusConfig | None:
        """The Prometheus server a service's data comes from: its own block (url or not), else the fleet's."""
        own = service.prometheus
        if own is None:
            return self.prometheus
        if own.url is None and self.prometheus is not None:
            return replace(self.prometheus, value=own.value)
        return own

    def thresholds_of(self, service: ServiceConfig) -> Thresholds:
        """The thresholds that apply to a service."""
        return service.thresholds or self.thresholds


def timeout_for(timeout: float | None, interval: float) -> float:
    """A probe's timeout: as configured, else half the interval (always shorter than the interval)."""
    return timeout if timeout is not None else max(0.1, interval / 2)
