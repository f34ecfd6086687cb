"""Product images: an upload read whole, of any size."""

from fastapi import APIRouter, UploadFile

router = APIRouter(prefix="/images", tags=["images"])


@router.post("/")
async def upload_image(image: UploadFile) -> dict:
    content = await image.read()
    return {"filename": image.filename, "bytes": len(content)}
