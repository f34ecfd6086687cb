"""Product reviews: the mistakes of fastapi-lint's second rule catalogue."""

from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/reviews", tags=["reviews"])
REVIEWS: dict[int, dict] = {}


@router.get("/{review_id}")
def read_review(review_id: int) -> dict:
    try:
        if review_id not in REVIEWS:
            raise HTTPException(status_code=404, detail="Review not found")
        return REVIEWS[review_id]
    except Exception as exc:
        raise HTTPException(status_code=500, detail="Could not read the review") from exc
