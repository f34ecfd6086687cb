import time

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import Session

from ..database import get_db
from ..deps import CurrentUser, DbSession
from ..models import Item, ItemCreate

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/{item_id}")
async def read_item(item_id: int, db: DbSession):
    # FAPI301: no response model, so the response is neither validated nor documented.
    # FAPI201: `DbSession` (deps.py) is a sync Session from `get_db` (database.py).
    row = db.get(Item, item_id)
    if row is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return Item(id=row.id, name=row.name, price=row.price)


@router.post("/", status_code=201)
def create_item(payload: ItemCreate, user: CurrentUser, db: Session = Depends(get_db)) -> Item:
    # FAPI101: a database write with no error handling; FAPI202: sync I/O.
    item = Item(id=0, name=payload.name, price=payload.price)
    db.add(item)
    db.commit()
    return item


@router.get("/{item_id}/thumbnail")
async def thumbnail(item_id: int) -> dict:
    # FAPI201: time.sleep blocks the event loop (safe fix: await asyncio.sleep).
    time.sleep(0.2)
    return {"item_id": item_id, "thumbnail": f"/static/{item_id}.png"}


@router.delete("/{item_id}", status_code=204)
def delete_item(item_id: int, db: Session = Depends(get_db)) -> None:
    # FAPI402: deletes data, and nothing in its chain (app, router, include, parameters)
    # authenticates the caller.
    try:
        db.delete(db.get(Item, item_id))
        db.commit()
    except Exception:
        db.rollback()
        raise
