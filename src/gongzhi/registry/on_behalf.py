"""Staff acting for residents who cannot use a phone (代办/代为填写), one mechanism for every app.

A resident tells a member of staff at the counter, on the phone or at home what they want (to
support a topic, rate a service, ask a question…); the staff member picks them from the registry
(``candidates``: persons of the relevant area inside the staff member's own scope) and the app's
service stores the action as the RESIDENT's — their person, their account when they have one —
so it counts once under the same uniqueness rules as an online action. The row carries the marks
of ``models.OnBehalfRecord`` (who entered it, how the resident expressed it, a note); the audit
entry names the resident masked and the channel; the resident is told when they have an account.
Residents never see the staff member's name: they read ``PUBLIC_LABEL``.

In a service::

    acting = on_behalf.check(staff=actor, area=community, perm=MANAGE)   # OnBehalf → Acting
    Support.objects.create(topic=topic, user=acting.account, person=acting.person, **acting.fields())
    record(..., after={**acting.audit()})
    acting.notify(title=..., link=...)

In a view: ``OnBehalfForm`` (subclassed with the action's own fields) and ``on_behalf_page``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.permissions import has_perm
from gongzhi.areas.models import Area
from gongzhi.core.errors import DomainError, InvalidInput, NotAllowed
from gongzhi.privacy.masking import mask_free_text, mask_name

from .models import OnBehalfChannel, Person, ResidentLink

NOTE_MAX = 200
CANDIDATES_MAX = 20
PUBLIC_LABEL = gettext_lazy("社区工作人员代为提交")


@dataclass(frozen=True)
class OnBehalf:
    """What staff say they do for whom: the person (or its id), how the resident expressed it, a note.
    Unchecked until the service calls ``check``."""

    person: Any
    channel: str
    note: str = ""

    def check(self, *, staff, area: Area, perm: str, note_required: bool = False) -> Acting:
        return check(staff=staff, person=self.person, area=area, perm=perm, channel=self.channel, note=self.note,
                     note_required=note_required)


@dataclass(frozen=True)
class Acting:
    """A checked 代办: ``staff`` acts for ``person`` (``account``: the resident's own, or ``None``)."""

    person: Person
    staff: Any
    channel: str
    note: str
    account: Any

    def fields(self) -> dict:
        """The ``OnBehalfRecord`` fields of the stored action."""
        return {"on_behalf_by": self.staff, "on_behalf_channel": self.channel, "on_behalf_note": self.note}

    def audit(self) -> dict:
        """For the audit entry's ``after``: the resident by id and masked name, never an ID or phone."""
        return {"on_behalf": True, "person": self.person.pk, "name": mask_name(self.person.real_name),
                "channel": self.channel, "note": mask_free_text(self.note)}

    def notify(self, *, title: str, link: str = "", body: str = "", kind: str = "general") -> None:
        """Tell the resident, when they have an account, what was done in their name (no staff name)."""
        if self.account is None:
            return
        from gongzhi.notices.services import send_notice

        text = body or _("社区工作人员已按您的意见代为提交（%(channel)s）。如有异议，请联系社区。") % {
            "channel": OnBehalfChannel(self.channel).label}
        send_notice(recipients=[self.account], title=title, body=text, link=link, kind=kind)


def community_of(area: Area) -> Area:
    """The community (村/社区) an area belongs to: the area itself, or its ancestor at that level."""
    from .models.places import community_path

    path = community_path(area)
    return area if area.path == path else Area.objects.get(path=path)


def account_of(person: Person):
    """The resident's own account (实名核验 binding), if any and active."""
    link = ResidentLink.objects.filter(person=person, user__is_active=True).select_related("user").first()
    return link.user if link is not None else None


def person_of(user) -> Person | None:
    """The registry person a resident's account is bound to."""
    from .verification import resident_person

    return resident_person(user) if getattr(user, "is_authenticated", False) else None


def check(*, staff, person, area: Area, perm: str, channel: str, note: str = "",
          note_required: bool = False) -> Acting:
    """Check a 代办: ``staff`` holds ``perm`` in ``area``; ``person`` is a current resident of ``area``
    inside the staff member's registry scope; the channel is one of 当面/电话/上门."""
    from .selectors import visible_records

    if not has_perm(staff, perm, area):
        raise NotAllowed(_("您无权在%(area)s代居民办理该事项。") % {"area": area.name})
    pk = person.pk if isinstance(person, Person) else person
    try:
        pk = int(pk)
        found = visible_records(Person, staff).filter(pk=pk).select_related("area").first()
    except (TypeError, ValueError):
        found = None
    except PermissionDenied:
        raise NotAllowed(_("您无权查看居民档案，不能代居民办理。")) from None
    if found is None:
        raise InvalidInput(_("请从您辖区的居民档案中选择代办的居民。"), fields={"person": "required"})
    if found.deceased or found.moved_out:
        raise InvalidInput(_("该居民已迁出或已故，不能代为办理。"), fields={"person": "current"})
    if found.area_id is None or not found.area.path.startswith(area.path):
        raise InvalidInput(_("%(name)s不是%(area)s的居民，不能代为办理。") % {
            "name": found.real_name, "area": area.name}, fields={"person": "area"})
    if channel not in OnBehalfChannel.values:
        raise InvalidInput(_("请选择居民的表达方式（当面、电话或上门）。"), fields={"channel": "required"})
    note = (note or "").strip()
    if note_required and not note:
        raise InvalidInput(_("请填写代办说明（居民的原话或情况）。"), fields={"note": "required"})
    if len(note) > NOTE_MAX:
        raise InvalidInput(_("代办说明最多 %(n)d 个字。") % {"n": NOTE_MAX}, fields={"note": "long"})
    return Acting(person=found, staff=staff, channel=channel, note=note, account=account_of(found))


def candidates(staff, area: Area, q: str, *, request=None) -> list[Person]:
    """The person picker: current residents of ``area`` in the staff member's scope matching ``q`` (a
    name, its pinyin or initials, the last four of an ID number or phone, a full ID number)."""
    from .searching import guard_id_search
    from .selectors import persons_for

    q = (q or "").strip()
    if not q:
        return []
    guard_id_search(staff, q, request=request)
    qs = (persons_for(staff, q=q).filter(area__path__startswith=area.path, deceased=False, moved_out=False)
          .select_related("area", "house__building").prefetch_related(None))
    return list(qs[:CANDIDATES_MAX])


def shown_name(record, person: Person | None, *, staff: bool) -> str:
    """How a resident's 代办 action is named: staff see the resident and who entered it; residents
    see the resident masked and ``PUBLIC_LABEL``, never the staff member."""
    name = person.real_name if person is not None else ""
    if staff:
        by = record.on_behalf_by.display_name if record.on_behalf_by_id else ""
        return _("%(name)s（%(by)s代办，%(channel)s）") % {
            "name": name, "by": by, "channel": record.get_on_behalf_channel_display()}
    return f"{mask_name(name)}（{PUBLIC_LABEL}）"


# --- Pages --------------------------------------------------------------------------------------------

class OnBehalfForm(forms.Form):
    """The 代办 part of a form: the resident picked from the registry, how they expressed it, a note.
    Subclasses add the action's own fields."""

    person = forms.IntegerField(label=gettext_lazy("代办居民"), widget=forms.HiddenInput,
                                error_messages={"required": gettext_lazy("请先搜索并选择代办的居民。"),
                                                "invalid": gettext_lazy("请先搜索并选择代办的居民。")})
    channel = forms.ChoiceField(label=gettext_lazy("居民表达方式"), choices=OnBehalfChannel.choices,
                                widget=forms.RadioSelect,
                                error_messages={"required": gettext_lazy("请选择居民的表达方式（当面、电话或上门）。")})
    note = forms.CharField(label=gettext_lazy("代办说明"), max_length=NOTE_MAX, required=False,
                           help_text=gettext_lazy("居民的原话或情况，仅工作人员和审计可见"),
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))

    OWN = ("person", "channel", "note")

    def on_behalf(self) -> OnBehalf:
        data = self.cleaned_data
        return OnBehalf(person=data["person"], channel=data["channel"], note=data.get("note", ""))

    def action_fields(self):
        return [self[name] for name in self.fields if name not in self.OWN]


def on_behalf_page(request, *, area: Area, perm: str, title: str, subject: str, form_class, submit: Callable,
                   back_url: str, done: str, form_kwargs: dict | Callable | None = None):
    """The page staff use to act for a resident: search the registry (GET ``q``), pick the person,
    record how they expressed it and the action's own fields; ``submit(form)`` calls the service."""
    if not has_perm(request.user, perm, area):
        raise PermissionDenied
    q = (request.POST.get("q") if request.method == "POST" else request.GET.get("q")) or ""
    error = None
    try:
        people = candidates(request.user, area, q, request=request)
    except ValidationError as exc:
        people, error = [], exc.messages[0]
    except PermissionDenied:
        people, error = [], _("您无权查看居民档案，不能代居民办理。")
    if callable(form_kwargs):  # choices that depend on the persons found (a household's members)
        form_kwargs = form_kwargs(people)
    form = form_class(request.POST or None, **(form_kwargs or {}))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                submit(form)
            except DomainError as exc:
                field = next((f for f in (exc.fields or {}) if f in form.fields), None)
                form.add_error(field, exc.message)
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(request, done)
                return redirect(back_url)
        status = 422
    chosen = str(form["person"].value() or "")
    return render(request, "registry/on_behalf.html", {
        "title": title, "subject": subject, "area": area, "q": q, "people": people, "search_error": error,
        "form": form, "chosen": chosen, "back_url": back_url,
    }, status=status)
