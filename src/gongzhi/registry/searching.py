"""Full ID-number searches by viewers who see ID numbers masked: audited and rate-limited.

The masked ID ``341702********2264`` leaves only the birth date unknown, and about 33 dates
a year pass the check digit: searching for each candidate until the person comes back would
rebuild the number. A viewer without ``personal.unmask`` may search by full ID number (they hold
the card), but each such search is recorded (``registry.person.id_search``, the number masked)
and at most ``GONGZHI_ID_SEARCH_LIMIT`` (30) are answered in 24 hours.
"""

from __future__ import annotations

import datetime
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.audit.services import record
from gongzhi.privacy.masking import mask_id_number

from . import validators
from .selectors import FULL_ID

ID_SEARCH_ACTION = "registry.person.id_search"
WINDOW = datetime.timedelta(hours=24)


def _full_id(q: str) -> str | None:
    compact = validators.normalise(unicodedata.normalize("NFKC", q or "").strip())
    return compact if FULL_ID.fullmatch(compact) else None


def guard_id_search(user, q: str, *, request=None) -> None:
    """Record a full ID-number search by a viewer without unmasking; ``ValidationError`` past the limit."""
    number = _full_id(q)
    if number is None or has_perm(user, Perm.PERSONAL_UNMASK):
        return
    from gongzhi.audit.models import AuditEntry

    limit = getattr(settings, "GONGZHI_ID_SEARCH_LIMIT", 30)
    done = AuditEntry.objects.filter(actor=user, action=ID_SEARCH_ACTION, at__gte=timezone.now() - WINDOW).count()
    if done >= limit:
        raise ValidationError(
            _("24 小时内按完整身份证号码搜索已达 %(n)d 次，请改用姓名或后四位搜索，或联系社区。") % {"n": limit},
            code="id_search_limit")
    record(actor=user, action=ID_SEARCH_ACTION, object_type="registry.person",
           after={"q": mask_id_number(number)}, request=request)
