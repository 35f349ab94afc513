"""The admission list (issue 16 item 1): an item outside it, or in its banned part, cannot be given to
communities; the refusal names who must approve adding it."""

import pytest

from gongzhi.core.errors import InvalidInput, NotAllowed
from gongzhi.services.catalogue import save_item
from gongzhi.services.models import AdmissionEntry, AdmissionPart, ServiceItem

pytestmark = pytest.mark.django_db


def entry(part: str, code: str = "x") -> AdmissionEntry:
    return AdmissionEntry.objects.create(code=code, name=f"{part}事项", part=part, approved_by="区委社会工作部")


def item(**fields) -> ServiceItem:
    return ServiceItem(**{"code": "elderly", "name": "高龄津贴", "theme": "养老服务", "legal_basis": "x",
                          "time_limit_days": 20, **fields})


def test_an_item_outside_the_admission_list_cannot_reach_communities(demo):
    admin = demo.users["district"]
    with pytest.raises(InvalidInput) as refused:
        save_item(actor=admin, item=item(accept_at="community"))
    assert "不在社区工作事项准入清单内" in refused.value.message and "审核" in refused.value.message
    with pytest.raises(InvalidInput):  # accepted at the street, but a step at the community level
        save_item(actor=admin, item=item(accept_at="street"), steps=[{"name": "入户调查", "level": "community", "days": 5}])
    with pytest.raises(InvalidInput) as banned:
        save_item(actor=admin, item=item(accept_at="community", admission=entry(AdmissionPart.BANNED)))
    assert "负面/禁入事项" in banned.value.message
    assert not ServiceItem.objects.exists()


def test_admitted_items_and_street_only_items_are_saved_with_their_steps(demo):
    admin = demo.users["district"]
    saved = save_item(actor=admin, item=item(accept_at="community", admission=entry(AdmissionPart.ASSIST)),
                      materials=[{"name": "身份证", "held_by": "id_card"}],
                      steps=[{"name": "受理初审", "level": "community", "days": 5},
                             {"name": "审核", "level": "street", "days": 10}])
    assert [s.name for s in saved.steps.order_by("order")] == ["受理初审", "审核"]
    assert saved.materials.get().held_by == "id_card"
    street_only = save_item(actor=admin, item=item(code="street", accept_at="street"),
                            steps=[{"name": "审批", "level": "street", "days": 5}])
    assert street_only.admission is None
    with pytest.raises(InvalidInput):  # the steps take longer than the item's time limit
        save_item(actor=admin, item=item(code="long", accept_at="street"), steps=[{"name": "审批", "level": "street",
                                                                                  "days": 30}])
    with pytest.raises(NotAllowed):
        save_item(actor=demo.users["community"], item=item(code="y", accept_at="street"))
