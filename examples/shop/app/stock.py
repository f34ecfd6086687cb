"""Stock levels and uploads: mistakes of the last rules of the catalogue."""

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.orm import Session

from .database import engine

router = APIRouter(prefix="/stock", tags=["stock"])


@router.get("/{sku}")
def stock_level(sku: str) -> dict:
    db = Session(engine)
    level = db.execute(text("SELECT level FROM stock WHERE sku = :sku"), {"sku": sku}).scalar()
    return {"sku": sku, "level": level}
