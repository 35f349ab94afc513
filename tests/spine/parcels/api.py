from django.core.exceptions import PermissionDenied
from ninja import Router

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm

from .models import Parcel

router = Router(tags=["parcels"])


@router.get("", response=list[str])
def list_parcels(request):
    if not has_perm(request.user, Perm.PARCELS_VIEW):
        raise PermissionDenied
    return list(Parcel.objects.visible_to(request.user).values_list("name", flat=True))
