"""English is complete: every string marked for translation has a reviewed English entry.

The catalogue is extracted afresh from a copy of the source (GNU gettext's xgettext, via Django's
makemessages) and compared with the committed ``src/gongzhi/locale/en/LC_MESSAGES/django.po``.
To update: ``./gz manage makemessages -l en --no-location --no-obsolete -i "tests/*" -i "*/tests/*"``
run in ``src/gongzhi``, then translate the new entries.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib

SRC = Path(__file__).resolve().parents[1] / "src" / "gongzhi"
COMMITTED = SRC / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{\{ *[a-z_.]+ *\}\}|%[sd]")


def _key(entry) -> tuple:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def _extract(tmp_path: Path) -> polib.POFile:
    copy = tmp_path / "gongzhi"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "tests"))
    (copy / "locale").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-location", "--no-obsolete"],
        cwd=copy, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))


def test_every_marked_string_has_an_english_translation(tmp_path):
    assert shutil.which("xgettext"), "GNU gettext (xgettext) is needed: apt-get install gettext"
    extracted = {_key(e) for e in _extract(tmp_path)}
    assert len(extracted) > 200, "extraction found too few strings: is makemessages working?"
    committed = {_key(e): e for e in polib.pofile(str(COMMITTED))}
    missing = sorted(k[1] for k in extracted - set(committed))
    assert not missing, f"strings not in the English catalogue (run makemessages): {missing[:20]}"
    untranslated = sorted(
        k[1] for k in extracted
        if committed[k].fuzzy
        or (not committed[k].msgid_plural and not committed[k].msgstr.strip())
        or (committed[k].msgid_plural and not all(v.strip() for v in committed[k].msgstr_plural.values()))
    )
    assert not untranslated, f"untranslated or fuzzy English entries: {untranslated[:20]}"


def test_translations_keep_their_placeholders():
    for entry in polib.pofile(str(COMMITTED)):
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        targets = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for target in targets:
            assert sorted(PLACEHOLDER.findall(target)) == wanted, (entry.msgid, target)


def test_english_catalogue_contains_no_untranslated_chinese():
    """Chinese may appear in English only where the message quotes accepted input (e.g. 区县)."""
    han = re.compile(r"[\u4e00-\u9fff]+")
    for entry in polib.pofile(str(COMMITTED)):
        targets = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for target in targets:
            leftovers = [w for w in han.findall(target) if w not in entry.msgid]
            assert not leftovers, (entry.msgid, target)
