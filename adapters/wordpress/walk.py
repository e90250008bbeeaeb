"""Every comment after the cursor exactly once, over both transports: the id cursor.

WordPress comment ids come from an auto-increment column, so a comment created
after a sync has a higher id than every comment that sync saw — whatever its date
says. Dates do not have that property: many comments share a second (imports,
``seed``, busy posts), a comment can arrive later *in the cursor's own second*,
imports and moderation plugins backdate comments, and REST's ``after`` filter
compares the *local* date, which repeats an hour when clocks go back. So the
cursor is the highest comment id stored (``SyncCursor.after_id``), and a sync
delivers exactly the comments with a higher id:

* **REST** lists by id (``orderby=id``, newest first): the walk goes down from
  the newest id to the cursor. Nothing else is needed.
* **XML-RPC** (``wp.getComments``) can only list newest *date* first (with
  ``comment_ID`` as WordPress's tie-breaker, so the order is fixed), by offset.
  The walk goes down to the cursor's *date* (``after_date``, the newest date the
  last walk saw), reading every comment of that second again and keeping the
  ones with a higher id. A comment dated before that (backdated, or a new comment
  below a future-dated one) is found by id instead: every id between the cursor
  and the highest id the walk saw that it did not see is read with
  ``wp.getComment`` (gaps are deleted comments or InnoDB's reserved ids; few),
  and so are the ids just above, a window at a time, until a window finds
  nothing. A backdated comment is therefore missed only while more than
  ``PROBE`` ids above the last one are burnt *and* no later comment has arrived.

The walk is read in growing chunks and handed out ``limit`` at a time; the cursor
it returns stays the old one until the walk's last page, so the caller, which
stores each page with the cursor after it, moves the cursor only when every
comment is stored. A crash in between repeats the walk (storing again is a no-op).
Offsets move while we read: each read after the first starts one row early, and
that row must be the last one read or a newer one (comments added above shift the
list down and are dropped as read or as newer than the walk's top); anything
older means rows above were deleted, and the walk steps back.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..base import Unreachable
from ..types import RemoteComment, SyncCursor
from ..words import N_
from .common import iso, utc

PROBE = 10  # XML-RPC: ids above the highest known one read per window (one multicall)


@dataclass
class Listing:
    """How one transport lists comments, newest first."""

    read: Callable[[int, int], list[RemoteComment]]  # (offset, number) -> rows
    key: Callable[[RemoteComment], tuple]  # strictly decreasing down the list
    max_number: int  # rows one read may ask for
    by_id: bool  # True: the list is ordered by id (REST); False: by date (XML-RPC)
    probe: Callable[[list[str]], list[RemoteComment]] | None = None  # read by id (XML-RPC)
    #: rows in the whole list as of the last read (REST's ``X-WP-Total``), None if unknown.
    #: The list is not filtered by the cursor, so this is the walk's total only from an
    #: empty cursor (a first sync); XML-RPC has none (``wp.getCommentCount`` leaves out trash).
    total: Callable[[], int | None] | None = None


@dataclass
class _State:
    floor_id: int  # the cursor: comments with a higher id are new
    floor_date: datetime | None  # XML-RPC: the walk reads down to this second
    chunk: int
    low: tuple | None = None  # key of the last row read
    offset: int = 0  # list position after ``low`` when last read
    ended: bool = False
    top_id: int = 0
    top_date: datetime | None = None
    seen: set[int] = field(default_factory=set)
    buffer: list[RemoteComment] = field(default_factory=list)
    total: int | None = None  # comments this walk delivers, when known (a first sync over REST)
    handed: int = 0  # comments handed out so far


def _cursor_id(cursor: SyncCursor) -> int:
    try:
        return int(cursor.after_id or 0)
    except ValueError:
        return 0


class CommentWalk:
    """The walk in progress for one adapter (see the module docstring)."""

    def __init__(self, listing: Listing, first: int = 100, grow_to: int = 800):
        self.listing = listing
        self.first = first
        self.grow_to = grow_to
        self._state: _State | None = None
        self._start: SyncCursor | None = None
        self._done: SyncCursor | None = None

    def page(self, cursor: SyncCursor, limit: int) -> tuple[list[RemoteComment], SyncCursor]:
        if self._done is not None and self._done == cursor:
            self._done = None  # the walk that produced this cursor just ended: up to date
            return [], cursor
        state = self._state
        if state is None or self._start != cursor:
            floor_date = utc(cursor.after_date) if cursor.after_date and not self.listing.by_id else None
            state = self._state = _State(floor_id=_cursor_id(cursor), floor_date=floor_date,
                                         chunk=max(1, min(self.first, self.listing.max_number - 2)))
            self._start = cursor
        # Keep one row back until the walk's end is known, so its last page is never
        # empty: the caller stores the final cursor only with a page.
        while len(state.buffer) <= limit and not state.ended:
            self._read(state)
            if state.ended and self.listing.probe is not None and state.floor_id:
                self._probe(state)
        page, state.buffer = state.buffer[:limit], state.buffer[limit:]
        state.handed += len(page)
        if state.buffer or not state.ended:
            left = None if state.total is None else max(state.total - state.handed, len(state.buffer))
            return page, replace(cursor, remaining=left)
        self._state = None
        if not state.top_id or state.top_id <= state.floor_id:
            return page, replace(cursor, remaining=0)
        top_date = state.top_date or state.floor_date
        done = SyncCursor(after_date=iso(top_date) if top_date else cursor.after_date, after_id=str(state.top_id),
                          remaining=0)
        self._done = done
        return page, done

    # -- reading ----------------------------------------------------------------
    def _take(self, state: _State, comment: RemoteComment) -> None:
        cid = int(comment.remote_id)
        if cid in state.seen:
            return
        state.seen.add(cid)
        state.top_id = max(state.top_id, cid)
        if state.top_date is None or comment.date_gmt > state.top_date:
            state.top_date = comment.date_gmt
        if cid > state.floor_id:
            state.buffer.append(comment)

    def _below_floor(self, state: _State, comment: RemoteComment) -> bool:
        if self.listing.by_id:
            return int(comment.remote_id) <= state.floor_id
        return state.floor_date is not None and comment.date_gmt < state.floor_date

    def _read(self, state: _State) -> None:
        """The next chunk (one request; more only when the list moved under us)."""
        key = self.listing.key
        for _attempt in range(32):
            start = max(state.offset - 1, 0) if state.low is not None else 0
            number = min(self.listing.max_number, (state.offset - start) + state.chunk + 1)
            rows = self.listing.read(start, number)
            if state.low is None and not state.floor_id and self.listing.total is not None:
                state.total = self.listing.total()  # the first read of a first sync: every row is the walk's
            if state.low is not None and start > 0 and (not rows or key(rows[0]) < state.low):
                state.offset = max(1, state.offset - state.chunk)  # rows above were deleted: step back
                continue
            taken = 0
            for index, comment in enumerate(rows):
                ckey = key(comment)
                if state.low is not None and ckey >= state.low:
                    continue  # the overlap row, or comments added above it since
                if self._below_floor(state, comment):
                    state.ended = True
                    break
                self._take(state, comment)
                state.low = ckey
                state.offset = start + index + 1
                taken += 1
            if len(rows) < number:
                state.ended = True
            elif not state.ended and taken == 0:
                state.offset = start + len(rows)  # a whole chunk added above: move on
            state.chunk = min(self.grow_to, self.listing.max_number - 2, state.chunk * 2)
            return
        raise Unreachable(N_("the site's comment list kept changing while it was read"),
                          hint=N_("the next sync retries"))

    def _probe(self, state: _State) -> None:
        """XML-RPC: read by id what a date-ordered walk cannot reach (see the module docstring)."""
        # As many as ids were burnt since the last sync (deleted comments, reserved ids):
        # few on a normal site, and each is read once, as the cursor then moves past it.
        probe = self.listing.probe
        if probe is None:  # REST: nothing to read by id (the caller checks this too)
            return
        gaps = [str(i) for i in range(state.floor_id + 1, state.top_id) if i not in state.seen]
        for start in range(0, len(gaps), 100):
            for comment in probe(gaps[start:start + 100]):
                self._take(state, comment)
        while True:
            base = max(state.top_id, state.floor_id)
            found = probe([str(i) for i in range(base + 1, base + PROBE + 1)])
            if not found:
                return
            for comment in found:
                self._take(state, comment)
