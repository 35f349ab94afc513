"""Identity verification (实名核验): binding a resident account to its person in the registry.

A resident proves who they are with their name and ID number (``verify_identity``), matched
through the ID number's blind index; staff bind at the counter after seeing the ID card
(``verify_at_counter``) and can undo a binding (``unbind``). Binding sets the account's home
area to the person's grid and moves its resident role to the person's community.

Failed self-verification is throttled per account: ``GONGZHI_VERIFY_MAX_FAILURES`` (5) failures
within ``GONGZHI_VERIFY_LOCK_MINUTES`` (30) lock it for that long. A failure says the same thing
whether the ID number is unknown or the name is wrong, so the page cannot be used to learn who is
registered. Audit entries name the account and the person by id; names are masked and ID
numbers and phone numbers never enter them.

Later apps (voting, services) guard their actions with ``ensure_verified(user)`` or their views
with ``@require_verified``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.roles import Perm, Role
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import record
from gongzhi.privacy.masking import mask_name

from . import validators
from .models import Person, ResidentLink, VerificationFailure, VerificationMethod
from .selectors import in_perm_scope

MAX_FAILURES = 5
LOCK_MINUTES = 30

NOT_VERIFIED_MESSAGE = gettext_lazy("此功能须先完成实名核验。请在“我的”页面核验身份，或携带身份证到社区窗口办理。")


class NotVerified(PermissionDenied):
    """The account is not bound to a registry person (raised by ``ensure_verified``)."""

    title = gettext_lazy("须实名核验")

    def __init__(self, message=None):
        super().__init__(str(message or NOT_VERIFIED_MESSAGE))
        self.user_message = str(message or NOT_VERIFIED_MESSAGE)


@dataclass(frozen=True)
class LockState:
    locked: bool
    until: object = None
    remaining: int = MAX_FAILURES


def max_failures() -> int:
    return int(getattr(settings, "GONGZHI_VERIFY_MAX_FAILURES", MAX_FAILURES))


def lock_minutes() -> int:
    return int(getattr(settings, "GONGZHI_VERIFY_LOCK_MINUTES", LOCK_MINUTES))


def normalise_name(value: str | None) -> str:
    """Names compare after NFKC (full-width letters, compatibility forms) and trimming."""
    return unicodedata.normalize("NFKC", value or "").strip()


# --- Selectors -------------------------------------------------------------------------------


def resident_link(user) -> ResidentLink | None:
    """The user's binding with its person, house and areas (one query, cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if "_gongzhi_resident_link" not in user.__dict__:
        user.__dict__["_gongzhi_resident_link"] = (
            ResidentLink.objects.filter(user=user)
            .select_related("person__house", "person__area__parent__parent", "verified_by")
            .first())
    return user.__dict__["_gongzhi_resident_link"]


def resident_person(user) -> Person | None:
    """The registry person the account is bound to, or ``None`` when not verified."""
    link = resident_link(user)
    return link.person if link else None


def is_verified(user) -> bool:
    return resident_link(user) is not None


def _forget(user) -> None:
    """Drop what is cached on the user object about its binding, roles and scope."""
    user.__dict__.pop("_gongzhi_resident_link", None)  # kept in __dict__
    for name in ("_gongzhi_scope_paths", "_gongzhi_perms", "_gongzhi_roles", "_gongzhi_perm_paths",
                 "_gongzhi_assignment_rows"):  # set as attributes
        try:
            delattr(user, name)
        except AttributeError:
            pass


def lock_state(user) -> LockState:
    """Is self-verification locked for ``user``, and how many tries are left?"""
    now = timezone.now()
    window = timedelta(minutes=lock_minutes())
    recent = list(VerificationFailure.objects.filter(user=user, at__gt=now - window)
                  .order_by("-at").values_list("at", flat=True)[:max_failures()])
    if len(recent) >= max_failures():
        return LockState(locked=True, until=recent[0] + window, remaining=0)
    return LockState(locked=False, remaining=max_failures() - len(recent))


def locked_message(state: LockState) -> str:
    return _("核验失败次数过多，已暂停 %(m)d 分钟，请于 %(until)s 后再试，或携带身份证到社区窗口办理。") % {
        "m": lock_minutes(), "until": timezone.localtime(state.until).strftime("%H:%M")}


# --- Guards for later apps -------------------------------------------------------------------


def ensure_verified(user) -> Person:
    """The bound person, or ``NotVerified`` (a ``PermissionDenied`` with a Chinese message)."""
    person = resident_person(user)
    if person is None:
        raise NotVerified()
    return person


def require_verified(view):
    """View decorator: anonymous users go to the login page, unverified ones to verification."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_verified(request.user):
            messages.info(request, str(NOT_VERIFIED_MESSAGE))
            return redirect(f"{reverse('registry:verify')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper


# --- Services --------------------------------------------------------------------------------


def _community_of(area: Area) -> Area:
    return area.parent if area.level == Level.GRID and area.parent_id else area


def _bind(*, user, person: Person, method: str, staff=None) -> ResidentLink:
    """Write the binding and what follows from it; the caller holds the transaction and audits."""
    if ResidentLink.objects.filter(user=user).exists():
        raise ValidationError(_("该账号已完成实名核验，如需更换绑定请到社区窗口办理。"), code="already_verified")
    if ResidentLink.objects.filter(person=person).exists():
        raise ValidationError(_("该居民已绑定其他账号。如有疑问，请携带身份证到社区窗口办理。"), code="person_bound")
    link = ResidentLink(user=user, person=person, area=person.area, method=method, verified_by=staff)
    link.full_clean(validate_unique=False)
    try:
        with transaction.atomic():  # a savepoint: two accounts racing for one person
            link.save()
    except IntegrityError:
        raise ValidationError(_("该居民已绑定其他账号。如有疑问，请携带身份证到社区窗口办理。"),
                              code="person_bound") from None
    user.home_area = person.area
    # A self-registered account has no name yet: the registry's is the verified one.
    user.real_name = user.real_name or person.real_name
    user.save(update_fields=["home_area", "real_name"])
    # The resident role moves from the sign-up placeholder to the person's community. Roles are
    # only moved, never granted here: a staff member verifying themselves keeps just their roles.
    RoleAssignment.objects.filter(user=user, role=Role.RESIDENT).update(area=_community_of(person.area))
    VerificationFailure.objects.filter(user=user).delete()
    _forget(user)
    return link


def _audit_after(link: ResidentLink) -> dict:
    return {"person": link.person_id, "name": mask_name(link.person.real_name), "area": link.area.code,
            "method": link.method}


def verify_identity(user, real_name: str, id_number: str, request=None) -> ResidentLink:
    """Bind ``user`` to the living person with this ID number (blind index) and exactly this name.

    Raises ``ValidationError`` with a Chinese message and a code: ``locked``, ``mismatch`` (the
    same for an unknown ID number and a wrong name), ``invalid_id_number`` (not an ID number at
    all; not counted), ``already_verified`` or ``person_bound``. Every outcome is audited.
    """
    state = lock_state(user)
    if state.locked:
        record(actor=user, action="registry.resident.verify_refused", obj=user, object_repr=user.username,
               success=False, reason="locked", request=request)
        raise ValidationError(locked_message(state), code="locked")
    try:
        number = validators.clean_id_number(id_number)
    except ValidationError:
        raise ValidationError(_("身份证号码格式不正确，请核对后重新填写。"), code="invalid_id_number") from None
    numbers = {number}
    if len(number) == 15:
        numbers.add(validators.upgrade_id_number(number))
    name = normalise_name(real_name)
    matches = Person.objects.none()
    for n in numbers:
        matches |= Person.objects.with_id_number(n)
    person = next((p for p in matches.filter(deceased=False).select_related("area")
                   if normalise_name(p.real_name) == name), None)
    if person is None:
        with transaction.atomic():
            VerificationFailure.objects.create(user=user)
            state = lock_state(user)
            record(actor=user, action="registry.resident.verify_failure", obj=user, object_repr=user.username,
                   success=False, after={"locked": state.locked}, request=request)
        if state.locked:
            raise ValidationError(locked_message(state), code="locked")
        raise ValidationError(_("姓名或身份证号码与登记信息不一致，请核对后重试（还可尝试 %(n)d 次）。") % {
            "n": state.remaining}, code="mismatch")
    try:
        with transaction.atomic():
            link = _bind(user=user, person=person, method=VerificationMethod.SELF)
            record(actor=user, action="registry.resident.verify", obj=link, after=_audit_after(link), request=request)
    except ValidationError as error:
        record(actor=user, action="registry.resident.verify_refused", obj=user, object_repr=user.username,
               success=False, reason=getattr(error, "code", None) or "", after={"person": person.pk}, request=request)
        raise
    return link


def verify_at_counter(staff, user, person: Person, request=None) -> ResidentLink:
    """Bind ``user`` to ``person`` at the counter, after staff checked the ID card in person.

    ``staff`` needs ``registry.edit`` in the person's area (``PermissionDenied`` otherwise).
    Refuses an account that is already bound and a person bound to another account.
    """
    if not in_perm_scope(staff, Perm.REGISTRY_EDIT, person.area):
        raise PermissionDenied
    if person.deceased:
        raise ValidationError(_("该人员已登记为已故，不能绑定账号。"), code="deceased")
    with transaction.atomic():
        link = _bind(user=user, person=person, method=VerificationMethod.COUNTER, staff=staff)
        record(actor=staff, action="registry.resident.counter_verify", obj=link, after=_audit_after(link),
               request=request)
    return link


def unbind(staff, link: ResidentLink, reason: str = "", request=None) -> None:
    """Undo a binding (wrong person, account handed over): ``registry.edit`` in the link's area.

    The account keeps its resident role but loses its home area until it is verified again.
    """
    if not in_perm_scope(staff, Perm.REGISTRY_EDIT, link.area):
        raise PermissionDenied
    user = link.user
    link_pk, before = link.pk, _audit_after(link)
    with transaction.atomic():
        link.delete()
        user.home_area = None
        user.save(update_fields=["home_area"])
        record(actor=staff, action="registry.resident.unbind", object_type="registry.residentlink",
               object_id=str(link_pk), object_repr=f"#{user.pk} → #{before['person']}", before=before,
               reason=(reason or "")[:500], request=request)
    _forget(user)
