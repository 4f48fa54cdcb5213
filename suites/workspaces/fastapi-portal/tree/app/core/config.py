from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    PROJECT_NAME: str = "acme-portal"
    DATABASE_URL: str
    SQL_ECHO: bool = False
    SECRET_KEY: str
    ALGORITHM: str = "HS256"

    # Short-lived access tokens; the refresh flow was never wired up in the SPA.
    REFRESH_TOKEN_EXPIRE_DAYS: int = 14

    CORS_ORIGINS: list[str] = ["http://localhost:5173"]

    # Access token lifetime
    ACCESS_TOKEN_EXPIRE_MINUTES: int = 5


settings = Settings()
