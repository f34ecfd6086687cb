"""Catalog: response models that disagree with, or repeat, the return annotation."""

from fastapi import APIRouter

from .models import Item, ItemCreate

router = APIRouter(prefix="/catalog", tags=["catalog"])


@router.post("/", response_model=Item, summary="Add a catalog entry")
def add_entry(entry: ItemCreate) -> ItemCreate:
    """The annotation says the client gets an `ItemCreate`; FastAPI sends an `Item`."""
    return entry


@router.get("/featured", response_model=Item, summary="The featured item")
def featured() -> Item:
    """`response_model=` says again what the annotation says."""
    return Item(id=1, name="Hammer", price=9.5)
