from fastapi import FastAPI

from . import reviews
from .routers import items, orders


def create_app() -> FastAPI:
    app = FastAPI(title="Shop")
    app.include_router(items.router)
    app.include_router(orders.router)
    app.include_router(reviews.router)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    return app


app = create_app()
