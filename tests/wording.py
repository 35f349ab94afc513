"""The word checker the page crawls share (tests/test_chinese_pages.py with Django's test client,
tests/browser/test_page_crawl.py in Chromium): what counts as an English word or a raw code in text a
Chinese user reads, and how a crawl collapses ids and query values into one route."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

# Words in Latin letters a Chinese user legitimately reads on these pages. Kept short on purpose:
# each is a proper name or an acronym with no Chinese name in common use.
ALLOWED_WORDS = {
    "API",      # 接口 tokens and docs are called API everywhere in Chinese government IT
    "Excel",    # the spreadsheet program people open the exports and ledgers with
    "Open311", "GeoReport",  # the name of the standard (Open311 GeoReport v2: its endpoint and keys)
    "TOTP",     # the two-factor standard authenticator apps name (RFC 6238)
    "GeoJSON",  # the boundary file format, a proper name
    "JSON",     # the same
    "CSV",      # the same (the importer accepts .csv)
    "xlsx", "xls", "csv", "json", "geojson",  # file extensions, as typed in an upload hint
    "English",  # the language switch names the language in its own words, as switches do
    "UTF",      # the text encoding a CSV file must be saved in (UTF-8), by its name
    "Ctrl",     # printed on the key the management site's multiple choice asks to hold
    "FreeOTP", "Google", "Authenticator",  # authenticator apps, named so people can find them
    "JPEG", "PNG", "WebP",  # the photo formats accepted, by their names (as the upload refusal names them)
    "PDF",  # the document format attachments accept, by its name
    "Han",  # GB/T 3304's romanised spelling of 汉族, cited as an accepted form of the 民族 column
    "Shapefile", "WGS", "CGCS",  # the map layer format and the two coordinate systems, by their names
    "zip", "shp", "shx", "dbf", "prj",  # the Shapefile's parts, as the upload hint names them
}
# Account names are what people type to sign in (like a phone number): shown as typed. The demo's
# happen to be English words.
ACCOUNT_NAMES = {"admin", "auditor", "district", "street", "community", "grid", "dept", "resident",
                 "town", "village", "villagegrid", "villager"}

SKIP_PATH = re.compile(r"^/(api|open311|static|media)/|logout|download|export|/photo|/files?/|/jsi18n/"
                       r"|template|error_report|/delete/")
VISIBLE_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}

WORD = re.compile(r"[A-Za-z0-9]+(?:[._/:-][A-Za-z0-9]+)*")
DOTTED_CODE = re.compile(r"^[a-z][a-z0-9]*(?:\.[a-z_][a-z0-9_]*)+$")



# Data whose letters are not words: the two-factor key grouped for typing (base32), GeoJSON text
# (its member names are fixed by RFC 7946) in a boundary box or as a format example.
BASE32_KEY = re.compile(r"(?:[A-Z2-7]{4} )+[A-Z2-7]{1,4}")
# A web address printed for people to type (a certificate's verification address under its QR code).
WEB_ADDRESS = re.compile(r"https?://[^\s<>\"']+")
# A certificate's serial (services.certificates: the year and 12 of Crockford's base-32 digits), which
# may hold no digit after the year: a code to type, not a word.
CERTIFICATE_SERIAL = re.compile(r"\b\d{4}-[0-9A-HJKMNP-TV-Z]{12}\b")


def offending(text: str) -> list[str]:
    """The English words, raw codes and file paths in one piece of visible text."""
    stripped = text.strip()
    if BASE32_KEY.fullmatch(stripped) or (stripped.startswith("{") and '"type"' in stripped):
        return []
    found = []
    for token in WORD.findall(CERTIFICATE_SERIAL.sub(" ", WEB_ADDRESS.sub(" ", text))):
        token = token.rstrip(".:/-")
        if not token:
            continue
        if "/" in token and re.search(r"[A-Za-z]{2}", token):
            if not re.fullmatch(r"[A-Za-z]{1,4}/[A-Za-z]{1,4}", token):  # "km/h" and the like
                found.append(token)
            continue
        if "_" in token or DOTTED_CODE.match(token):
            found.append(token)
            continue
        for part in re.split(r"[-:.]", token):
            if any(ch.isdigit() for ch in part):
                continue  # codes, numbers, hash prefixes: data, not words ("SHA" of "SHA-256" is a word)
            if len(part) >= 3 and part not in ALLOWED_WORDS and part not in ACCOUNT_NAMES:
                found.append(token)
                break
    return found


def route_key(path: str, query: str) -> tuple[str, tuple[str, ...]]:
    """Ids and codes collapsed: each route (and each set of query parameters) counts as one."""
    collapsed = re.sub(r"\d+", "N", path)
    return collapsed, tuple(sorted({k for k, _v in parse_qsl(query, keep_blank_values=True) if k != "page"}))
