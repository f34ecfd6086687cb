"""Wishlists: error handling that hides or leaks what went wrong."""

import logging

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import Session

from .database import get_db

router = APIRouter(prefix="/wishlist", tags=["wishlist"])
logger = logging.getLogger(__name__)


@router.post("/{item_id}")
def add_to_wishlist(item_id: int, db: Session = Depends(get_db)) -> dict:
    try:
        db.commit()
    except Exception:
        logger.exception("could not save the wishlist")
        return {"saved": False}
    return {"saved": True}


@router.delete("/{item_id}")
def remove_from_wishlist(item_id: int, db: Session = Depends(get_db)) -> dict:
    try:
        db.flush()
    except Exception as exc:
        raise HTTPException(status_code=500, detail=f"Could not remove: {exc}") from exc
    try:
        logger.info("removed %s", item_id)
    except Exception:
        pass
    return {"removed": item_id}
