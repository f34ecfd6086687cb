from pydantic import BaseModel


class Item(BaseModel):
    id: int
    name: str
    price: float


class ItemCreate(BaseModel):
    name: str
    price: float


class Order(BaseModel):
    id: int
    item_id: int
    paid: bool = False
