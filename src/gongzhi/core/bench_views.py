"""The baseline of ``./gz bench intake``: the smallest JSON view, behind the full middleware stack.

Routed only when ``GONGZHI_BENCH_HELLO=1`` is set when the URL map is loaded (the benchmark sets
it for the server it starts); in every normal run the path answers 404. It reads nothing and
writes nothing, so what it costs is the server, the WSGI handler, the URL resolver and the
middleware: what every page request pays before its view runs (machine endpoints such as Open311
pass the session, sign-in, OTP and messages middleware: ``core.middleware.MACHINE_PREFIXES``).
"""

from __future__ import annotations

from django.http import JsonResponse

ENV_VARIABLE = "GONGZHI_BENCH_HELLO"
PATH = "bench/hello"


def hello(request) -> JsonResponse:
    return JsonResponse({"hello": "world"})
