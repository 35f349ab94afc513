"""Verification of the audit hash chain (``./gz manage verify_audit``).

The walk starts at the chain head's anchor (``anchor_seq`` / ``anchor_prev_hash``: the first
entry kept by the retention purge and the hash it links to), reads entries in ``seq`` order in
keyset-paginated batches (bounded memory on any number of rows, no long-lived cursor), and
for each one checks, in this order:

1. continuity — its ``seq`` is the next expected one (a deleted row leaves a gap);
2. content — the SHA-256 of its canonical content equals its stored ``hash``;
3. linkage — its ``prev_hash`` equals the previous entry's ``hash``.

Finally the head must point at the last entry. The first failure is reported, naming the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from .models import GENESIS_HASH, AuditChainHead, AuditEntry

DEFAULT_BATCH_SIZE = 2000


class BreakKind(StrEnum):
    CONTENT_CHANGED = "content_changed"
    LINK_BROKEN = "link_broken"
    ROW_MISSING = "row_missing"
    HEAD_MISMATCH = "head_mismatch"


BREAK_DESCRIPTIONS = {
    BreakKind.CONTENT_CHANGED: _("内容被修改（哈希不符）"),
    BreakKind.LINK_BROKEN: _("链接断裂（prev_hash 与上一条记录的哈希不符）"),
    BreakKind.ROW_MISSING: _("记录缺失（序号不连续）"),
    BreakKind.HEAD_MISMATCH: _("链头与最后一条记录不符"),
}


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the chain does not hold.

    ``seq``/``entry_id`` name the offending row; for a missing row, ``seq`` is the missing
    sequence number and ``entry_id`` the row found in its place (``None`` at the end).
    """

    kind: BreakKind
    seq: int
    entry_id: int | None
    detail: str

    def describe(self) -> str:
        row = f"seq {self.seq}" + (f" (id {self.entry_id})" if self.entry_id is not None else "")
        return f"{row}: {self.kind.value} — {BREAK_DESCRIPTIONS[self.kind]}; {self.detail}"


@dataclass(frozen=True)
class VerificationResult:
    checked: int
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def _batches(start_seq: int, stop_seq: int | None, batch_size: int):
    """Entries with ``start_seq <= seq [<= stop_seq]`` in seq order, ``batch_size`` rows per query."""
    after = start_seq - 1
    while True:
        qs = AuditEntry.objects.filter(seq__gt=after).order_by("seq")
        if stop_seq is not None:
            qs = qs.filter(seq__lte=stop_seq)
        batch = list(qs[:batch_size])
        if not batch:
            return
        yield from batch
        after = batch[-1].seq
        if len(batch) < batch_size:
            return


def _walk(start_seq: int, start_prev_hash: str, stop_seq: int | None, batch_size: int):
    """Check continuity, content and linkage; return (checked, break, last entry or None)."""
    checked = 0
    expected_seq, prev_hash = start_seq, start_prev_hash
    last = None
    earlier = AuditEntry.objects.filter(seq__lt=start_seq).order_by("seq").values_list("seq", "id").first()
    if earlier is not None:
        return 0, ChainBreak(BreakKind.LINK_BROKEN, earlier[0], earlier[1],
                             f"row precedes the chain anchor (seq {start_seq})"), None
    for entry in _batches(start_seq, stop_seq, batch_size):
        if entry.seq != expected_seq:
            missing = (f"seq {expected_seq}" if entry.seq == expected_seq + 1
                       else f"seq {expected_seq}–{entry.seq - 1}")
            return checked, ChainBreak(BreakKind.ROW_MISSING, expected_seq, entry.id,
                                       f"{missing} missing before seq {entry.seq} (id {entry.id})"), last
        if entry.compute_hash() != entry.hash:
            return checked, ChainBreak(BreakKind.CONTENT_CHANGED, entry.seq, entry.id,
                                       "stored hash does not match the entry's content"), last
        if entry.prev_hash != prev_hash:
            return checked, ChainBreak(BreakKind.LINK_BROKEN, entry.seq, entry.id,
                                       f"prev_hash does not match the hash of seq {entry.seq - 1}"), last
        checked += 1
        prev_hash = entry.hash
        expected_seq += 1
        last = entry
    return checked, None, last


def _anchor(head: AuditChainHead | None) -> tuple[int, str]:
    if head is None or head.anchor_seq <= 0:
        return 1, GENESIS_HASH
    return head.anchor_seq, head.anchor_prev_hash


def verify_chain(*, batch_size: int = DEFAULT_BATCH_SIZE) -> VerificationResult:
    """Walk the whole chain from the anchor to the head; report the first broken link."""
    head = AuditChainHead.objects.filter(id=1).first()
    start_seq, start_prev = _anchor(head)
    last_seq = head.last_seq if head else 0
    # Only entries the head already covers: appends during the walk are not false alarms.
    checked, broken, last = _walk(start_seq, start_prev, last_seq, batch_size)
    if broken is not None:
        return VerificationResult(checked, broken)
    if last is None:
        if last_seq >= start_seq:
            return VerificationResult(checked, ChainBreak(BreakKind.ROW_MISSING, start_seq, None,
                                                          f"the head records seq {last_seq} but no entries exist"))
        if head is not None and head.last_hash != start_prev:
            return VerificationResult(checked, ChainBreak(BreakKind.HEAD_MISMATCH, last_seq, None,
                                                          "the head's hash does not match the anchor"))
    else:
        if last.seq != last_seq:
            return VerificationResult(checked, ChainBreak(
                BreakKind.ROW_MISSING, last.seq + 1, None,
                f"seq {last.seq + 1}–{last_seq} missing at the end (the head records seq {last_seq})"))
        if head.last_hash != last.hash:
            return VerificationResult(checked, ChainBreak(BreakKind.HEAD_MISMATCH, last.seq, last.id,
                                                          "the head's hash does not match the last entry"))
    beyond = AuditEntry.objects.filter(seq__gt=last_seq).order_by("seq").values_list("seq", "id").first()
    if beyond is not None:
        fresh = AuditChainHead.objects.filter(id=1).values_list("last_seq", flat=True).first() or 0
        if fresh < beyond[0]:
            return VerificationResult(checked, ChainBreak(BreakKind.HEAD_MISMATCH, beyond[0], beyond[1],
                                                          f"row lies beyond the head (seq {fresh})"))
    return VerificationResult(checked, None)


def verify_prefix(*, stop_seq: int, batch_size: int = DEFAULT_BATCH_SIZE) -> VerificationResult:
    """Verify from the anchor up to and including ``stop_seq`` (used before a purge)."""
    head = AuditChainHead.objects.filter(id=1).first()
    start_seq, start_prev = _anchor(head)
    checked, broken, last = _walk(start_seq, start_prev, stop_seq, batch_size)
    if broken is None and stop_seq >= start_seq and (last is None or last.seq != stop_seq):
        missing = start_seq if last is None else last.seq + 1
        broken = ChainBreak(BreakKind.ROW_MISSING, missing, None, f"seq {missing} missing")
    return VerificationResult(checked, broken)
