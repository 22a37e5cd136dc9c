"""Page parameters and the page envelope every list in the contract uses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Larger offsets cannot be stored by SQL or MongoDB; such a page is past the end anyway.
MAX_OFFSET = 2**62


class PageParams(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    @property
    def offset(self) -> int:
        """Rows to skip; a page far past the end is clamped to an empty page, not an error."""
        return min((self.page - 1) * self.page_size, MAX_OFFSET)


def page_body(items: Sequence[Any], total: int, params: PageParams) -> dict[str, Any]:
    """The envelope ``{"items", "total", "page", "page_size"}`` around serialised items."""
    return {"items": list(items), "total": total, "page": params.page,
            "page_size": params.page_size}
