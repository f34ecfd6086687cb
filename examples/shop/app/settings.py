from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str = "sqlite:///./shop.db"
    # FAPI401: a signing key written in the code.
    jwt_secret: str = "4f9c2b7e1d8a6f3c5e0b9d2a7c4f1e8b"
    payments_url: str = "https://payments.example.com"


settings = Settings()
