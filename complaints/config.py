"""The one configuration object, read from the environment (names as in the spec)."""
from functools import lru_cache
from pathlib import Path

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
    complaints_key_file: Path | None = None  # payload encryption key; created on first run
    codec_token: str | None = None        # the codec server's bearer token; default: a token file
    codec_token_file: Path | None = None  # default DATA_DIR/codec.token, created on first run
    complaints_classifier: str = "rules"      # rules, or model (a trained model, the rules as fallback)
    complaints_model_file: str | None = None  # from `complaints classifier train`
    classifier_threshold: float = 0.5         # below this confidence the rules decide the business type
    log_format: str = "auto"              # auto (console on a terminal, else JSON), json, console
    log_level: str = "INFO"
    temporal_ui_port: int = 8233
    codec_port: int = 8081
    # Worker tuning (see bench/): how many complaints stay cached, how many tasks run at once.
    max_cached_workflows: int = 10000
    max_concurrent_activities: int = 64

    @field_validator("data_dir", "complaints_key_file", "codec_token_file")
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

    def codec_token_value(self, create: bool = True) -> str:
        from complaints.codec import secret_file

        return self.codec_token or secret_file(self.codec_token_file or self.data_dir / "codec.token", create)

    def classifier(self):
        from classifier import classifier_from

        return classifier_from(self.complaints_classifier, self.complaints_model_file, self.classifier_threshold)

    def policy(self) -> Policy:
        from sla.policy_file import load_policy

        return load_policy(self.complaints_policy)


@lru_cache
def settings() -> Settings:
    return Settings()
