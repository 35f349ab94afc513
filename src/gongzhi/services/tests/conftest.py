import pytest

from gongzhi.registry.tests.factories import GRID, OTHER_STREET_GRID, make_id, make_person


@pytest.fixture
def kinds(db):
    """A certificate kind on the list and one cleared from it."""
    from gongzhi.services.models import CertificateKind

    residence = CertificateKind.objects.create(
        code="residence", name="居住证明", legal_basis="《居住证暂行条例》第九条", approved_by="区司法局",
        body="兹证明{holder}居住在{address}。\n用途：{purpose}。", valid_days=90)
    kinship = CertificateKind.objects.create(
        code="kinship", name="亲属关系证明", legal_basis="已取消", approved_by="区司法局", body="{holder}", on_list=False)
    return {"residence": residence, "kinship": kinship}


@pytest.fixture
def holder(demo):
    return make_person(grid=GRID, name="王建民", address_text="幸福路8号3栋201室", phone="13912345678",
                       id_number=make_id(sequence="321"))


@pytest.fixture
def elsewhere(demo):
    return make_person(grid=OTHER_STREET_GRID, name="李秀英", id_number=make_id(sequence="457"))
