"""Integrity check of the hash chain. Read-only: verification never writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .hashing import compute_hash
from .models import GENESIS_HASH, HEAD_PK, AuditChainHead, AuditEvent

ProblemKind = Literal["changed", "inserted", "deleted", "head_mismatch"]

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Problem:
    seq: int | None
    kind: ProblemKind
    message: str

    def __str__(self) -> str:
        return self.message


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"第 {first} 条事件缺失:该事件已被删除。"
    return f"第 {first} 至 {last} 条事件缺失:这些事件已被删除。"


class _Walker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.expected_seq = 1
        self.prev_hash = GENESIS_HASH
        self.last_seq = 0  # highest seq walked
        self.events_seen = 0

    def visit(self, event: AuditEvent) -> None:
        self.events_seen += 1
        if compute_hash(event) != event.hash:
            self.problems.append(
                Problem(event.seq, "changed", f"第 {event.seq} 条事件的内容与其哈希不符:该事件写入后被修改。")
            )
        if event.seq < self.expected_seq:
            # Below 1 (seq is unique, so nothing else can come out of order): not from the chain.
            self.problems.append(
                Problem(
                    event.seq,
                    "inserted",
                    f"序号为 {event.seq} 的事件不在哈希链的序号范围内:该事件是伪造插入的。",
                )
            )
            return
        if event.seq > self.expected_seq:
            self.problems.append(
                Problem(self.expected_seq, "deleted", _missing(self.expected_seq, event.seq - 1))
            )
        elif event.prev_hash != self.prev_hash:
            before = f"第 {event.seq - 1} 条事件" if event.seq > 1 else "链首"
            self.problems.append(
                Problem(
                    event.seq,
                    "inserted",
                    f"第 {event.seq} 条事件记录的前一哈希与{before}不符:两者之间的哈希链接断开,"
                    "其中一条是伪造插入或替换的事件。",
                )
            )
        self.expected_seq = event.seq + 1
        self.prev_hash = event.hash
        self.last_seq = event.seq


def verify_chain() -> list[Problem]:
    """Walk the whole log in seq order and report every break of the chain (empty list: intact).

    Safe to run while events are being appended: events committed during the walk are picked up until
    the walk has reached the head row.
    """
    return verify_chain_counted()[1]


def verify_chain_counted() -> tuple[int, list[Problem]]:
    """Like :func:`verify_chain`, also returning how many events were checked."""
    walker = _Walker()
    queryset = AuditEvent.objects.order_by("seq")
    while True:
        for event in queryset.iterator(chunk_size=CHUNK_SIZE):
            walker.visit(event)
        head = AuditChainHead.objects.filter(pk=HEAD_PK).first()
        if head is None or head.last_seq <= walker.last_seq:
            break
        # The head is ahead: either the newest events were deleted, or they were appended during the walk.
        queryset = AuditEvent.objects.filter(seq__gt=walker.last_seq).order_by("seq")
        if not queryset.exists():
            break

    problems = walker.problems
    if head is None:
        if walker.events_seen:
            problems.append(Problem(None, "head_mismatch", "审计链头记录缺失:无法确认最新的事件是否被删除。"))
        return walker.events_seen, problems

    if head.last_seq > walker.last_seq:
        problems.append(Problem(walker.last_seq + 1, "deleted", _missing(walker.last_seq + 1, head.last_seq)))
        return walker.events_seen, problems

    # Events walked beyond the head were not written through the chain (only ones seen before the head was
    # read are considered, so a concurrent append is never mistaken for a forgery).
    for seq in (
        AuditEvent.objects.filter(seq__gt=head.last_seq, seq__lte=walker.last_seq)
        .order_by("seq")
        .values_list("seq", flat=True)
    ):
        problems.append(
            Problem(
                seq,
                "inserted",
                f"第 {seq} 条事件位于链头(第 {head.last_seq} 条)之后:该事件是绕过审计服务伪造插入的。",
            )
        )

    if head.last_seq == 0:
        return walker.events_seen, problems
    head_event_hash = AuditEvent.objects.filter(seq=head.last_seq).values_list("hash", flat=True).first()
    if head_event_hash is not None and head_event_hash != head.last_hash:
        problems.append(
            Problem(
                head.last_seq,
                "head_mismatch",
                f"第 {head.last_seq} 条事件的哈希与链头记录不符:最新事件被替换,或链头被篡改。",
            )
        )
    return walker.events_seen, problems
