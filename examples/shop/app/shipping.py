"""Shipping quotes from a carrier's API: more mistakes of the second rule catalogue."""

import httpx
import requests
from fastapi import APIRouter

router = APIRouter(prefix="/shipping", tags=["shipping"])


@router.on_event("startup")
def warm_up() -> None:
    pass


@router.get("/quote")
def quote(weight: float) -> dict:
    print("quote for", weight)
    return requests.get("https://carrier.example.com/quote", params={"kg": weight}).json()


@router.get("/track/{parcel_id}")
async def track(parcel_id: str) -> dict:
    client = httpx.AsyncClient(timeout=10)
    response = await client.get(f"https://carrier.example.com/track/{parcel_id}")
    return response.json()
