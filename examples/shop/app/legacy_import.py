"""An old module left half-edited: fastapi-lint reports it (FAPI000) and lints the rest."""
from fastapi import APIRouter

router = APIRouter(
