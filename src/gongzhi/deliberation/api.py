"""The votes API at /api/v1/votes (the fixed interface of issue 13)."""

from ninja import Router

router = Router(tags=["votes"])
