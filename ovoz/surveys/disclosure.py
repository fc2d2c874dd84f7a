"""Complementary suppression that differencing cannot undo, for one question's table by one dimension.

A question's figures by gender (say) are the cells of a table: a line per choice, a column per gender
and one for those who gave none, with the overall figures and each gender's respondents as margins.
Each line's cells add up to its overall figure; for a select_one question each column's cells add up to
its respondents, and the respondents to everyone who answered. Written as a graph (a node per line,
per column and two for the totals; an edge per figure, joining the two sums it is part of), the
figures not shown are edges whose values are constrained only by these sums, and one of them can be
worked out from the shown ones exactly when it lies on no cycle of unknown edges: when it is a bridge
(the classical result on tables with fixed margins, as in network flows). Hiding a cell and the next
smallest of its line and of its column (what ``results`` does first) leaves every hidden cell with a
neighbour on each side, which is not always a cycle: two groups of hidden cells joined by a single
hidden cell give that one away. ``protect`` finds such a bridge and hides the cheapest shown figures
that close a cycle through it, until none is left."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass
class Edge:
    ends: tuple[Hashable, Hashable]
    key: Hashable  # what the caller hides
    unknown: bool  # not shown (hidden, or never shown: those who gave no gender)
    protected: bool  # must stay unknown: every hidden figure, and a never-shown one of 1 to 4
    cost: int | None  # what hiding it loses (its count); None when it cannot be hidden here


def bridges(edges: list[Edge]) -> set[int]:
    """The indexes of the unknown edges that lie on no cycle of unknown edges (Tarjan, iterative)."""
    adjacent: dict[Hashable, list[tuple[Hashable, int]]] = {}
    for index, edge in enumerate(edges):
        if edge.unknown:
            one, other = edge.ends
            adjacent.setdefault(one, []).append((other, index))
            adjacent.setdefault(other, []).append((one, index))
    order: dict[Hashable, int] = {}
    low: dict[Hashable, int] = {}
    found: set[int] = set()
    for root in adjacent:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack: list[tuple[Hashable, int, int]] = [(root, -1, 0)]  # node, edge it was reached by, next neighbour
        while stack:
            node, via, position = stack[-1]
            if position < len(adjacent[node]):
                stack[-1] = (node, via, position + 1)
                neighbour, index = adjacent[node][position]
                if index == via:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                else:
                    order[neighbour] = low[neighbour] = len(order)
                    stack.append((neighbour, index, 0))
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    found.add(via)
    return found


def _side(edges: list[Edge], start: Hashable, without: int) -> set[Hashable]:
    reached, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for index, edge in enumerate(edges):
            if edge.unknown and index != without and node in edge.ends:
                other = edge.ends[1] if edge.ends[0] == node else edge.ends[0]
                if other not in reached:
                    reached.add(other)
                    todo.append(other)
    return reached


def _cheapest_cycle(edges: list[Edge], bridge: int) -> list[int]:
    """The shown edges to hide so that ``bridge`` lies on a cycle: the cheapest path from one of its
    sides to the other, where unknown edges cost nothing."""
    one, other = edges[bridge].ends
    start = _side(edges, one, bridge)
    goal = _side(edges, other, bridge)
    heap: list[tuple[int, int, Hashable, tuple[int, ...]]] = []
    tie = 0
    for node in start:
        heap.append((0, tie, node, ()))
        tie += 1
    heapq.heapify(heap)
    done: set[Hashable] = set()
    while heap:
        cost, _tie, node, path = heapq.heappop(heap)
        if node in goal:
            return [index for index in path if not edges[index].unknown]
        if node in done:
            continue
        done.add(node)
        for index, edge in enumerate(edges):
            if index == bridge or node not in edge.ends or (not edge.unknown and edge.cost is None):
                continue
            neighbour = edge.ends[1] if edge.ends[0] == node else edge.ends[0]
            if neighbour not in done:
                tie += 1
                step = 0 if edge.unknown else (edge.cost or 0) + 1
                heapq.heappush(heap, (cost + step, tie, neighbour, (*path, index)))
    return []


def protect(build: Callable[[], list[Edge]], hide: Callable[[Hashable], None], *, rounds: int = 50) -> None:
    """Hide shown figures until no protected unknown figure is a bridge. ``build`` describes the table as
    it stands; ``hide`` hides one figure by its key."""
    for _round in range(rounds):
        edges = build()
        exposed = [index for index in sorted(bridges(edges)) if edges[index].protected]
        if not exposed:
            return
        to_hide = _cheapest_cycle(edges, exposed[0])
        if not to_hide:  # nothing shown can close a cycle: hide it all rather than give the figure away
            to_hide = [index for index, edge in enumerate(edges) if not edge.unknown and edge.cost is not None]
            if not to_hide:
                return
        for index in to_hide:
            hide(edges[index].key)
