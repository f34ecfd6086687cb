"""Product reviews: the mistakes of fastapi-lint's second rule catalogue."""

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException
from sqlalchemy.orm import Session

from .database import SessionLocal
from .deps import get_current_user

router = APIRouter(prefix="/reviews", tags=["reviews"])
REVIEWS: dict[int, dict] = {}


def get_review_db():
    db = SessionLocal()
    yield db
    db.close()


def notify_moderators(db: Session, review_id: int) -> None:
    db.commit()


@router.get("/{review_id}")
def read_review(review_id: int) -> dict:
    try:
        if review_id not in REVIEWS:
            raise HTTPException(status_code=404, detail="Review not found")
        return REVIEWS[review_id]
    except Exception as exc:
        raise HTTPException(status_code=500, detail="Could not read the review") from exc


@router.delete("/{review_id}")
def delete_review(review_id: int, dependencies=[Depends(get_current_user)]) -> dict:
    REVIEWS.pop(review_id, None)
    return {"deleted": review_id}


@router.post("/{review_id}/flag")
def flag_review(review_id: int, background_tasks: BackgroundTasks,
                db: Session = Depends(get_review_db, scope="function")) -> dict:
    background_tasks.add_task(notify_moderators, db, review_id)
    return {"flagged": review_id}


@router.get("/{review_id}/replies/{reply_id}")
def read_reply(review_id: int, id: int) -> dict:
    return REVIEWS.get(review_id, {}).get("replies", {}).get(id, {})


@router.get("/{id}")
def read_review_v2(id: int) -> dict:
    return REVIEWS.get(id, {})
