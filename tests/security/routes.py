"""How to fill each route's URL parameters with a real object of the shared world, and who may
use it. Every route of the URL map with parameters must have an entry here (or in ``EXEMPT`` with
its reason): ``tests/security/test_idor.py::test_every_route_is_covered`` fails naming a new one.

An entry: the role that may use the object (``insider``: the check that the object is real), the
world's object that the route works on (checked unchanged after a refused POST) and the URL
parameters. The outsiders are derived from the insider: the same role in another area (the town's
village, grid and centre, a second grid of the same community, a second department, a neighbour
for a resident's own things) and a resident without staff permissions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

COMMUNITY_A = "341702001001"
STREET_A = "341702001"


@dataclass(frozen=True)
class Target:
    insider: str
    obj: str | None  # the world's attribute holding the object (None: an area code or a file path)
    kwargs: Callable[[object], dict]
    outsiders: tuple[str, ...] = field(default=())  # () = derived from the insider
    # In the object's area and allowed to see it, but not to do this: refused by the service (a
    # message, 302/400/422) or 403/404, and nothing changes.
    unprivileged: tuple[str, ...] = field(default=())


def pk(name: str, insider: str, outsiders: tuple[str, ...] = (), unprivileged: tuple[str, ...] = (),
       **more: Callable) -> Target:
    return Target(insider, name, lambda w: {"pk": getattr(w, name).pk, **{k: f(w) for k, f in more.items()}},
                  outsiders, unprivileged)


#: Elsewhere for what every resident of 幸福社区 takes part in (its topics and votes).
ELSEWHERE = ("villager", "village", "villagegrid")
RESIDENTS = ("resident", "neighbour")


def shared(name: str) -> Target:
    """A page of 幸福社区's deliberation that its residents take part in."""
    return pk(name, "resident", ELSEWHERE)


def staff_only(name: str) -> Target:
    """A staff action on an object its residents may see: they are refused by the service."""
    return pk(name, "community", ELSEWHERE, RESIDENTS)


def named(name: str, insider: str, kwarg: str, outsiders: tuple[str, ...] = ()) -> Target:
    return Target(insider, name, lambda w: {kwarg: getattr(w, name).pk}, outsiders)


def area(insider: str, code: str = COMMUNITY_A, outsiders: tuple[str, ...] = ()) -> Target:
    return Target(insider, None, lambda w: {"code": code}, outsiders)


#: The same role elsewhere, and who holds no permission at all, for each insider.
PEERS = {
    "resident": ("neighbour", "villager"),
    "grid": ("grid2", "villagegrid", "neighbour"),
    "community": ("village", "villagegrid", "neighbour"),
    "street": ("town", "village", "neighbour"),
    "district": ("street", "community", "neighbour"),
    "dept": ("dept2", "neighbour"),
    "admin": ("district", "auditor", "neighbour"),
}


def outsiders(target: Target) -> tuple[str, ...]:
    return target.outsiders or PEERS[target.insider]


ROUTES: dict[str, Target] = {
    # Accounts: a token belongs to its owner; users are managed by the system administrator.
    "accounts:token_revoke": named("token", "community", "token_id"),
    "api:revoke_my_token": named("token", "community", "token_id", ("street", "village", "neighbour")),
    "accounts:user_detail": Target("admin", None, lambda w: {"user_id": w.users["community"].pk}),
    "accounts:user_unlock": Target("admin", None, lambda w: {"user_id": w.users["community"].pk}),
    # Areas: any staff member reads the tree of the district, but only within their own area.
    "areas:detail": area("community"),
    "areas:area_geojson": area("community"),
    "api:get_area": area("community"),
    "basemap:delete": pk("layer", "district"),
    # A person's own things.
    "notices:open": Target("community", "notice", lambda w: {"notice_id": w.notice.pk},
                           ("village", "street", "neighbour")),
    "jobs:detail": pk("job", "community", ),
    "jobs:progress": pk("job", "community"),
    "jobs:download": pk("export_job", "community"),
    # Registry.
    "registry:person_detail": pk("person", "grid"),
    "registry:person_edit": pk("person", "community"),
    "registry:person_tag": pk("person", "community"),
    "registry:person_move": pk("person", "community"),
    "registry:house_detail": pk("house", "grid"),
    "registry:estate_detail": pk("estate", "community"),
    "registry:estate_edit": pk("estate", "community"),
    "registry:mobile_house": pk("house", "grid"),
    "registry:mobile_move_in": pk("house", "grid"),
    "registry:mobile_resident_update": pk("house", "grid", person_pk=lambda w: w.person.pk),
    "registry:mobile_move_out": pk("house", "grid", person_pk=lambda w: w.person.pk),
    "registry:mobile_resident_tag": pk("house", "grid", person_pk=lambda w: w.person.pk),
    "registry:import_job": pk("import_job", "community"),
    "registry:import_commit": pk("import_job", "community"),
    "registry:import_error_report": pk("import_job", "community"),
    "registry:counter_unbind": pk("link", "community"),
    "registry:move_in_accept": pk("move_in", "street"),
    "registry:move_in_decline": pk("move_in", "street"),
    "registry:move_in_withdraw": pk("move_in", "community"),
    "api:get_person": pk("person", "grid"),
    "api:update_person": pk("person", "community"),
    "api:get_house": pk("house", "grid"),
    "api:update_house": pk("house", "community"),
    "api:get_estate": pk("estate", "community"),
    "api:update_estate": pk("estate", "community"),
    "api:get_organisation": pk("organisation", "community"),
    "api:update_organisation": pk("organisation", "community"),
    "api:get_facility": pk("facility", "community"),
    "api:update_facility": pk("facility", "community"),
    # Cases: the reporter sees their own; staff of the case's area work it.
    "cases:detail": pk("case", "community"),
    "cases:act": pk("case", "community"),
    "cases:case_grid": pk("case", "community"),
    "cases:photo": pk("photo", "resident"),
    "cases:patrol": pk("patrol", "grid"),
    "cases:patrol_visit": pk("patrol", "grid"),
    "cases:patrol_end": pk("patrol", "grid"),
    "cases:open311_key_revoke": pk("open311_key", "district"),
    "api:get_case": pk("case", "resident"),
    "api:act": pk("case", "community"),
    # Deliberation.
    "deliberation:topic_detail": shared("topic"),
    "deliberation:topic_screen": staff_only("topic"),
    "deliberation:topic_comment": shared("topic"),
    "deliberation:topic_support": shared("topic"),
    "deliberation:topic_tasks": shared("topic"),
    "deliberation:task_new": staff_only("topic"),
    "deliberation:topic_evaluate": shared("topic"),
    "deliberation:topic_support_on_behalf": staff_only("topic"),
    "deliberation:topic_comment_on_behalf": staff_only("topic"),
    "deliberation:topic_evaluate_on_behalf": staff_only("topic"),
    "deliberation:comment_hide": staff_only("comment"),
    "deliberation:topic_attachment": shared("attachment"),
    "deliberation:body_detail": staff_only("body"),
    "deliberation:member_add": pk("body", "community"),
    "deliberation:member_remove": pk("member", "community"),
    "deliberation:meeting_detail": staff_only("meeting"),
    "deliberation:meeting_notify": pk("meeting", "community"),
    "deliberation:meeting_invite": pk("meeting", "community"),
    "deliberation:meeting_attendance": pk("meeting", "community"),
    "deliberation:meeting_minutes": pk("meeting", "community"),
    "deliberation:meeting_cancel": pk("meeting", "community"),
    "deliberation:vote": shared("vote"),
    "deliberation:vote_cast": shared("vote"),
    "deliberation:vote_representative": shared("vote"),
    "deliberation:vote_representative_on_behalf": staff_only("vote"),
    "deliberation:vote_paper": staff_only("vote"),
    "deliberation:vote_tally": staff_only("vote"),
    "deliberation:vote_cancel": staff_only("vote"),
    "api:get_vote": shared("vote"),
    "api:cast_ballot": shared("vote"),
    "deliberation:task_update": staff_only("task"),
    "deliberation:task_case": staff_only("task"),
    "deliberation:task_photo": shared("task_photo"),
    # The demo's 四议两公开 processes are in the town's village: the village's staff work them.
    "deliberation:village_process": Target("village", "process", lambda w: {"pk": w.process.pk},
                                           ("community", "grid", "villager")),
    # Disclosure (staff side).
    "disclosure:manage_item": pk("item", "community"),
    "disclosure:manage_edit": pk("item", "community"),
    "disclosure:manage_publish": pk("item", "community"),
    "disclosure:manage_withdraw": pk("item", "community"),
    "disclosure:manage_answer": pk("question", "community"),
    "disclosure:finance_entry_reverse": pk("entry", "community"),
    "disclosure:power_exercise": pk("exercise", "community"),
    # Notices: an announcement belongs to the area it was published to; the board shows a recipient theirs.
    "notices:announcement": pk("announcement", "community"),
    "notices:announcement_withdraw": pk("announcement", "community"),
    "notices:announcement_told": pk("announcement", "community", receipt_id=lambda w: w.receipt.pk),
    "notices:board_detail": pk("announcement", "resident"),
    # Services: a certificate belongs to the register of the community that issued it.
    "services:certificate": Target("community", "certificate", lambda w: {"serial": w.certificate.serial}),
    "services:revoke": Target("community", "certificate", lambda w: {"serial": w.certificate.serial}),
    # An application: the applicant's own pages, and the accepting community's.
    "services:mine_detail": Target("resident", "own_application", lambda w: {"number": w.own_application.number}),
    "services:mine_resubmit": Target("resident", "own_application", lambda w: {"number": w.own_application.number}),
    "services:mine_rate": Target("resident", "own_application", lambda w: {"number": w.own_application.number}),
    "services:application": Target("community", "application", lambda w: {"number": w.application.number}),
    "services:application_act": Target("community", "application", lambda w: {"number": w.application.number}),
    "disclosure:power_item_edit": pk("power_item", "district"),
    "disclosure:property_evaluate": pk("estate", "community", year=lambda w: w.quarter[0],
                                       quarter=lambda w: w.quarter[1]),
    "disclosure:property_rate_on_behalf": pk("estate", "community"),
}

#: Routes with parameters that are not about one area's objects, and why.
EXEMPT: dict[str, str] = {
    "open311:discovery": "Open311 GeoReport v2: public machine interface (fmt = json/xml), no area objects",
    "open311:services": "Open311: the public service list (fmt = json/xml)",
    "open311:service": "Open311: a public service definition (code = a public category code)",
    "open311:requests": "Open311: public request list; what it shows is tested in cases/tests/test_open311.py",
    "open311:request": "Open311: a public request by its public id (no personal data; cases/tests/test_open311.py)",
    "open311:token": "Open311: a submission's public token, unguessable by design",
    "open311:not_found": "Open311: the JSON 404 for any other path",
    "raster:tile": "map tiles: the same public base map for every signed-in user (401 anonymous, core/tests)",
    "deliberation:village_public": "四议两公开 public page of a village (公开: meant for everyone)",
    "services:item": "a catalogue item by its code: the same public catalogue for every signed-in user",
    "services:apply": "an item's application form by its public code: files only for the signed-in resident's own "
                      "verified person (services/tests/test_application_pages.py)",
    "services:verify": "a certificate's verification by serial (公开 by design: masked holder only; services tests)",
    "api:verify_certificate": "the same verification as JSON (公开 by design; services/tests/test_certificates.py)",
    "disclosure:public_powers": "a community's public power list (公开: meant for everyone)",
    "disclosure:public_property": "a community's public property scores (公开: meant for everyone)",
    "disclosure:community": "a community's public disclosure page (公开); drafts: test_public_pages_hide_drafts",
    "disclosure:public_item": "a published item (公开); drafts: test_public_pages_hide_drafts",
    "disclosure:attachment": "a published item's file (公开); drafts: test_public_pages_hide_drafts",
    "disclosure:ask": "a question to a community by its public code: signed-in residents only (anonymous: sign-in)",
    "deliberation:vote_result": "a vote's result: public by design (公开可核验, DOMAIN.md), no personal data",
    "deliberation:vote_ledger": "a vote's hash-chained ledger: public by design (receipts, no choices)",
    "deliberation:vote_ledger_json": "the same ledger as JSON: public by design",
    "api:get_result": "a vote's result: public to every signed-in caller (as the public page); 401 anonymous",
    "api:get_ledger": "a vote's ledger: public to every signed-in caller (as the public page); 401 anonymous",
    "manage:view_on_site": "Django admin (system administrator only; test_admin_is_for_the_system_admin)",
    "manage:auth_user_password_change": "Django admin (system administrator only)",
    "manage:app_list": "Django admin (system administrator only)",
}


def exempt(view_name: str, route: str) -> bool:
    """The Django admin's per-object pages: the admin site is one permission (the system administrator)."""
    return view_name in EXEMPT or route.startswith("manage/")
