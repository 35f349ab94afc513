"""What the home page promises: one entry per installed app, contributed by the app itself.

An app registers ``Feature(title, text)`` from its ``AppConfig.ready``; the landing page lists the
registered features in order. The page thus promises only what is installed: a later app (议事
协商, 在线表决, 服务…) adds its own entry when it lands, never before.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Feature:
    title: str | Promise
    text: str | Promise
    order: int = 100


FEATURES: list[Feature] = []


def register_feature(feature: Feature) -> None:
    if feature not in FEATURES:
        FEATURES.append(feature)
        FEATURES.sort(key=lambda f: f.order)


def features() -> list[Feature]:
    return list(FEATURES)
