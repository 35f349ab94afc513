"""Template helpers of the consultation pages (also used by the case page: 转为议题)."""

from django import template

register = template.Library()


@register.simple_tag
def may_make_topic(user, case) -> bool:
    """Whether ``user`` may turn ``case`` into a consultation topic (``deliberation.manage`` in its area)."""
    from gongzhi.deliberation.topics import is_staff_for

    return case.area_id is not None and is_staff_for(user, case.area)


@register.filter
def topic_status_class(status: str) -> str:
    return {"proposed": "st-new", "refused": "st-hold", "discussing": "st-run", "deciding": "st-check",
            "decided": "st-done", "rejected": "st-hold", "implementing": "st-run", "done": "st-done",
            "closed": "st-hold"}.get(status, "")


@register.filter
def masked_name(value: str) -> str:
    """``张*`` / ``张*明``: a resident's name as other residents see it."""
    from gongzhi.privacy.masking import mask_name

    return mask_name(value)
