"""Data scope: the one place that decides which area-bound rows a user may see.

Every area-bound model's queryset derives from ``AreaScopedQuerySet`` and is read through
``.visible_to(user)``. A user's scope is the set of area paths from their role assignments
(plus, for department staff, the areas their department serves); a row is visible when its area
path starts with one of them. Views never filter by area by hand.
"""

from __future__ import annotations

from django.db import models


def scope_paths(user) -> tuple[str, ...]:
    """Materialised paths of the subtrees the user may see (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, "_gongzhi_scope_paths", None)
    if cached is None:
        from gongzhi.accounts.scoping import compute_scope_paths

        cached = compute_scope_paths(user)
        user._gongzhi_scope_paths = cached
    return cached


def scope_q(user, path_field: str) -> models.Q:
    paths = scope_paths(user)
    if not paths:
        return models.Q(pk__in=[])
    q = models.Q()
    for p in paths:
        q |= models.Q(**{f"{path_field}__startswith": p})
    return q


class AreaScopedQuerySet(models.QuerySet):
    """Base queryset for every model bound to one area node.

    Subclasses set ``area_path_field`` to the lookup that reaches the area's path
    (``"area__path"`` for a model with an ``area`` foreign key).
    """

    area_path_field = "area__path"

    def visible_to(self, user) -> "AreaScopedQuerySet":
        return self.filter(scope_q(user, self.area_path_field))


class PermScopedQuerySet(AreaScopedQuerySet):
    """Area-bound rows visible only where the user holds ``scope_perm`` (the roles granting it).

    For records that belong to the staff of an area rather than to everybody in it — a grid
    worker's patrol log is not for the residents of the grid to read.
    """

    scope_perm = ""

    def visible_to(self, user) -> "PermScopedQuerySet":
        from gongzhi.accounts.permissions import has_perm, perm_paths

        if user is None or not getattr(user, "is_authenticated", False) or not has_perm(user, self.scope_perm):
            return self.none()
        q = models.Q(pk__in=[])
        for path in perm_paths(user, self.scope_perm):
            q |= models.Q(**{f"{self.area_path_field}__startswith": path})
        return self.filter(q)
