from django.http import HttpResponse

from gongzhi.accounts.permissions import require_perm
from gongzhi.accounts.roles import Perm

from .models import Parcel


def parcel_list(request):
    require_perm(request.user, Perm.PARCELS_VIEW)
    names = Parcel.objects.visible_to(request.user).values_list("name", flat=True)
    return HttpResponse("\n".join(names), content_type="text/plain")
