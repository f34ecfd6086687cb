"""Security settings of the shop: CORS, cookies, tokens (the issue-7 rules fire here)."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

# FAPI403: every origin, with the user's cookies.
ALLOWED_ORIGINS = ["*"]


def configure_cors(app: FastAPI) -> None:
    app.add_middleware(CORSMiddleware, allow_origins=ALLOWED_ORIGINS, allow_credentials=True)


def configure_public_cors(app: FastAPI) -> None:
    # FAPI404 (enabled in pyproject.toml): every origin may read the responses.
    app.add_middleware(CORSMiddleware, allow_origins=["*"])


def token_subject(token: str) -> str:
    import jwt

    # FAPI405: the signature is never checked, anyone can forge a token.
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims["sub"]


def find_orders(db, customer: str):
    from sqlalchemy import text

    # FAPI407: the customer's name becomes SQL.
    return db.execute(text(f"SELECT * FROM orders WHERE customer = '{customer}'")).all()


def serve() -> None:
    import uvicorn

    # FAPI408: the production entry point reloads on every file change.
    uvicorn.run("app.main:app", host="0.0.0.0", reload=True)


def remember_login(response, token: str) -> None:
    from fastapi import Response

    assert isinstance(response, Response)
    # FAPI409: readable by any script on the page, sent over plain HTTP too.
    response.set_cookie("session_token", token)


def hash_customer_password(password: str) -> str:
    import hashlib

    # FAPI406: a fast digest; a leaked customer table is cracked in hours.
    return hashlib.sha256(password.encode()).hexdigest()


def export_orders_for_partner(app: FastAPI) -> None:
    # FAPI410: the partner's API key ends up in access logs and browser history.
    @app.get("/partner/orders")
    def partner_orders(api_key: str) -> list:
        return []
