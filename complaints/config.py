"""The one configuration object, read from the environment (names as in the spec)."""
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.policy import Policy


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "complaints"
    data_dir: Path = Path(".data")
    database_url: str | None = None       # default: a SQLite file under data_dir
    complaints_policy: str | None = None  # TOML policy file; default: the spec's table
    complaints_departments: Path | None = None  # the bank's department registry (TOML); default models/departments.toml
    # The regulator's code table (JR/T 0169-2018, TOML); default the product's models/regulator_codes.toml
    code_table_file: Path | None = None
    root_causes_file: Path | None = None  # the bank's root-cause table (TOML); default models/root_causes.toml
    complaints_key_file: Path | None = None  # payload encryption key; created on first run
    complaints_actor_key_file: Path | None = None  # seals the messages the API sends for a person; never the codec's
    codec_token: str | None = None        # the codec server's bearer token; default: a token file
    codec_token_file: Path | None = None  # default DATA_DIR/codec.token, created on first run
    complaints_classifier: str = "rules"      # rules, or model (a trained model, the rules as fallback)
    complaints_model_file: str | None = None  # from `complaints classifier train`
    classifier_threshold: float = 0.5         # below this confidence the rules decide the business type
    complaints_emergency: str = "learned"     # learned (beside the rules, which stay a floor), or rules
    log_format: str = "auto"              # auto (console on a terminal, else JSON), json, console
    log_level: str = "INFO"
    temporal_ui_port: int = 8233
    temporal_ui_ip: str = "127.0.0.1"     # the UI is an operators' tool: localhost on the embedded default
    codec_port: int = 8081
    # The front door (api/): where it listens, and where people's CLI commands find it.
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    complaints_api_url: str | None = None   # default http://<api_host>:<api_port>
    complaints_session_file: Path | None = None  # a signed-in person's token; default ~/.config/complaints
    api_secret_file: Path | None = None     # signs local tokens, seals channel secrets; default DATA_DIR/api.secret
    token_minutes: int = 480                # a working day: then sign in again
    login_max_failures: int = 5             # wrong passwords in a row before the account locks ...
    login_lockout_minutes: int = 15         # ... for this long
    signature_window_seconds: int = 300     # a signed channel request older (or newer) than this is refused
    max_body_bytes: int = 64 * 1024         # an intake is 5,000 characters of text at most
    # The OpenAPI schema and its page: open (the embedded default), signed-in, or off (production's choice).
    api_docs: Literal["open", "signed-in", "off"] = "open"
    cookie_secure: bool = True              # browsers treat http://localhost as secure, so this stays on
    ui_origin: str | None = None            # the Temporal UI's origin, the only one the codec server allows
    # OpenID Connect (production): tokens verified against the provider's keys; role and department from
    # claims. OIDC_ROLE_MAP is JSON, e.g. {"complaints-supervisor": "supervisor"}.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None        # default: from the issuer's discovery document
    oidc_id_claim: str = "preferred_username"
    oidc_role_claim: str = "roles"
    oidc_department_claim: str = "department"
    oidc_role_map: dict[str, str] = {}
    # The workbench's sign-in at the provider (authorization code flow with PKCE): the client registered for
    # it, its secret in a file, and the public address of /ui/sso/callback behind the bank's proxy (default:
    # the address the request came to).
    oidc_client_id: str | None = None
    oidc_client_secret_file: Path | None = None
    oidc_redirect_url: str | None = None
    oidc_leeway_seconds: int = 30           # clock skew allowed on the provider's tokens
    # Local accounts (passwords kept here): the embedded default; an installation that signs everyone in at
    # its provider switches them off.
    local_accounts: bool = True
    # Delivering the outbox (delivery/): unset means "not configured", recorded on each notification.
    smtp_url: str | None = None             # smtp://host:port (smtps:// for TLS), user:password@ if needed
    mail_from: str = "complaints@bank.example"
    sms_gateway_url: str | None = None      # the bank's SMS gateway: POST JSON, HMAC-signed, idempotency key
    app_gateway_url: str | None = None      # the app's push gateway, the same protocol
    gateway_secret_file: Path | None = None  # the HMAC key shared with the gateways; default DATA_DIR/gateway.secret
    delivery_templates: Path | None = None  # the bank's message templates (TOML); default delivery/templates.toml
    delivery_attempts: int = 5              # tries per notification, with backoff, before a person is told
    # The customer's own page (web/customer_pages.py): where its links point (the public address behind the
    # bank's proxy; default the API's), how long a link and a one-time code live, and the limits on tries.
    customer_page_url: str | None = None
    link_days: int = 30                     # each message carries a fresh link; an old one ends after this
    code_minutes: int = 10
    code_by: Literal["sms", "email"] = "sms"  # the second factor: a code to the phone, or the e-mail, on record
    code_tries: int = 5                     # wrong codes against one code before it opens nothing
    codes_per_hour: int = 5                 # codes sent per complaint per hour
    attempts_per_hour: int = 30             # failed page attempts per address per hour (bad links, wrong codes)
    page_session_minutes: int = 30          # a verified customer's page stays open this long
    image_max_bytes: int = 3 * 1024 * 1024  # each image sent with information asked for
    images_max: int = 5
    upload_max_bytes: int = 16 * 1024 * 1024  # the body of the page's information form, images included
    sink_smtp_port: int = 2525              # `up`'s local SMTP sink, when SMTP_URL is unset
    sink_gateway_port: int = 8026           # `up`'s local SMS/app gateway sink, when the gateway URLs are unset
    # Operations: each worker's metrics and readiness port (0: none), how long a stopping process lets work
    # in flight finish, and where traces go (unset: no tracing).
    worker_metrics_port: int = 0
    shutdown_grace_seconds: int = 30
    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str = "complaints"
    # Worker tuning (see bench/): how many complaints stay cached, how many tasks run at once.
    max_cached_workflows: int = 10000
    max_concurrent_activities: int = 64
    workflow_sandbox: bool = True           # the SDK's sandbox around workflow code (see workers/worker.py)
    # A complaint's next task waits this long on the worker that has it cached before any worker takes it: how
    # fast survivors take over a killed worker's complaints (the SDK's default is 10 s).
    sticky_timeout_seconds: float = 5.0

    @field_validator("data_dir", "complaints_key_file", "complaints_actor_key_file", "complaints_departments",
                     "code_table_file", "root_causes_file", "codec_token_file", "complaints_session_file", "api_secret_file", "gateway_secret_file", "delivery_templates", "oidc_client_secret_file")
    @classmethod
    def _absolute(cls, v: Path | None) -> Path | None:
        # Resolved once, where the process starts: every message and error names the file it really uses.
        return v.expanduser().absolute() if v is not None else v

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'complaints.db').as_posix()}"

    @property
    def key_file(self) -> Path:
        return self.complaints_key_file or self.data_dir / "complaints.key"

    @property
    def actor_key_file(self) -> Path:
        return self.complaints_actor_key_file or self.data_dir / "actor.key"

    @property
    def api_url(self) -> str:
        return (self.complaints_api_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    @property
    def page_url(self) -> str:
        return (self.customer_page_url or self.api_url).rstrip("/")

    @property
    def session_file(self) -> Path:
        return self.complaints_session_file or Path.home() / ".config" / "complaints" / "session.json"

    def api_secret(self, create: bool = True) -> str:
        from complaints.codec import secret_file

        return secret_file(self.api_secret_file or self.data_dir / "api.secret", create)

    def gateway_secret(self, create: bool = True) -> str:
        from complaints.codec import secret_file

        return secret_file(self.gateway_secret_file or self.data_dir / "gateway.secret", create)

    def transports(self) -> list[str]:
        """The delivery transports configured (none: notifications to customers are not sent)."""
        return [name for name, url in (("mail", self.smtp_url), ("sms", self.sms_gateway_url),
                                       ("app", self.app_gateway_url)) if url]

    @property
    def temporal_ui_origin(self) -> str:
        return self.ui_origin or f"http://localhost:{self.temporal_ui_port}"

    def codec_token_value(self, create: bool = True) -> str:
        from complaints.codec import secret_file

        return self.codec_token or secret_file(self.codec_token_file or self.data_dir / "codec.token", create)

    def policy(self) -> Policy:
        """The policy file's, with the registered departments pinned in (a complaint keeps them from its start)."""
        from sla.policy_file import load_policy

        return self.pinned(load_policy(self.complaints_policy))

    def pinned(self, policy: Policy) -> Policy:
        """`policy` with the registry's departments and head-office authorities, the regulator's codes and the
        working days around today, pinned in."""
        from datetime import UTC, datetime

        from sla.calendar import pinned_workdays

        registry = self.departments()
        workdays = pinned_workdays(policy.region, policy.timezone, datetime.now(UTC).date())
        return policy.model_copy(update={"departments": registry.ids, "head_office": registry.head_office,
                                         "codes": self.code_table().ids(), "workdays": workdays})

    def root_causes(self) -> dict[str, tuple[str, str]]:
        from models.problems import root_causes

        return root_causes(self.root_causes_file)

    def code_table(self):
        from models.codes import load

        return load(self.code_table_file)

    def departments(self):
        from models.departments import load

        return load(self.complaints_departments)


@lru_cache
def settings() -> Settings:
    return Settings()
