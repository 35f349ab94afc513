"""What the home page promises: one entry per installed app, declared by the app itself.

An app declares ``Feature(title, text, order)`` in its ``plugin.py`` (``AppPlugin.features``); the
landing page lists the installed apps' features in order. The page thus promises only what is
installed: a later app (议事协商, 在线表决, 服务…) adds its own entry when it lands, never before.
"""

from __future__ import annotations

from .plugins import Feature, declarations

__all__ = ["Feature", "features"]


def features() -> list[Feature]:
    return declarations().features
