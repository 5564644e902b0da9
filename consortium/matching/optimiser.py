"""The consortium optimiser: which partners should bid together for a tender, and who does what.

    need = Need(lots=["1", "2"], value=650_000,
                lot_requirements={"1": frozenset({"accreditation:CQC registration"})})
    proposals = propose(candidates, need)          # best first, up to three alternatives
    best = proposals[0]
    best.members, best.lead, best.assignment       # [7, 3], 7, {"1": 7, "2": 3}
    best.complete, [g.message for g in best.gaps]  # True, []

Each lot is delivered by exactly one member who can deliver it (it has a fit for the lot) and holds
the lot's requirement keys; every tender-wide key is held by at least one member; the members'
combined capacity meets the contract value. Among such consortia the optimiser wants, in this
order: (1) as many lots covered as possible, (2) as many requirements met as possible, (3) the
capacity met, (4) the fewest members, (5) the best total fit. It solves this exactly as an integer
programme with HiGHS, and says whether the answer is proven optimal.

A member need not deliver a lot of its own: a partner that can deliver at least one lot (and
holds that lot's keys) may join to share the delivery, adding capacity or a tender-wide
accreditation. The optimiser only adds such members when they are needed.

Gaps nobody can close (a lot no candidate delivers, a key no candidate holds, a value beyond all
their capacity together) are set aside first; if every other lot, key and the capacity can be met,
the model is "strict" (no slack) and fast. Otherwise the best partial cover is found with lots,
requirements and capacity as penalised slacks. Either way each unmet item is a :class:`Gap` with
a sentence and the nearest partners, and ``complete`` says whether there are none.

Alternatives have different member sets: after each proposal, a cut forbids its member set and
every superset of it, so an alternative is never "the best consortium plus someone". They are as
complete as the first proposal (the same number of lots, requirements and capacity met); fewer
are returned when no other such consortium exists.

Solving: one level at a time, each with integer costs (fits in hundredths), each level then held
at its optimum. The member count is the hard level for HiGHS, so it is first solved on the
candidates no other dominates, and the fit on a few hundred promising candidates; their answers
are incumbents for the full model, which proves them (or finds better) with ``mip_rel_gap`` 0.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

FIT_SCALE = 100  # fits are compared in hundredths of a point, so the objective is integral
CAP_TOL = 1e-6  # capacity counts as met within a millionth of the value (solver tolerances)
NEAREST = 3  # partners named per gap

__all__ = ["Candidate", "Gap", "Need", "Proposal", "propose", "requirement_label"]


@dataclass(frozen=True)
class Candidate:
    """One partner as the optimiser sees it.

    ``fit`` holds only the lots this partner can deliver (service and place fit already checked).
    ``near`` is optional: lot id -> a score for lots it cannot deliver but comes close to (say the
    right service in the wrong place); it only serves to name the nearest partners for a lot
    nobody covers.
    """

    partner_id: int
    name: str
    fit: Mapping[str, float]
    capacity: float
    holds: frozenset[str] = frozenset()
    places: Mapping[str, frozenset[str]] = field(default_factory=dict)
    near: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Need:
    """What the tender asks of a consortium."""

    lots: Sequence[str]
    value: float
    lot_requirements: Mapping[str, frozenset[str]] = field(default_factory=dict)
    tender_requirements: frozenset[str] = frozenset()
    lot_names: Mapping[str, str] = field(default_factory=dict)
    # partner ids that must be members (the user's choice, or our organisation by default);
    # a required partner may join with no lot of its own, adding capacity or accreditations
    required: frozenset[int] = frozenset()
    lead: int | None = None  # the lead the user chose (it is required too)


@dataclass
class Gap:
    """Something the proposed consortium does not cover, in a sentence, with who comes nearest.

    kind is "lot", "requirement" (the member delivering ``lot`` lacks ``requirement``),
    "tender_requirement" or "capacity".
    """

    kind: str
    lot: str | None
    requirement: str | None
    message: str
    nearest: list[int] = field(default_factory=list)
    fix: str = ""  # what would close it, in a sentence ("serves Cheshire West but not Warrington")


@dataclass
class Proposal:
    members: list[int]  # partner ids, lead first
    lead: int | None
    assignment: dict[str, int]  # lot id -> partner id delivering it
    total_fit: float
    capacity: float
    complete: bool
    gaps: list[Gap]
    optimal: bool
    rank: int
    # lots nobody can fully deliver, with the partner that comes closest (a member too): a
    # partial cover names who would deliver it if its gap were closed
    closest: dict[str, int] = field(default_factory=dict)


# ------------------------------------------------------------------------------ text helpers
def requirement_label(key: str) -> str:
    """``"insurance:Public liability>=5000000"`` -> ``"Public liability insurance of at least
    £5,000,000"``; ``"accreditation:CQC registration"`` -> ``"CQC registration"``."""
    kind, sep, rest = key.partition(":")
    if not sep:
        return key
    name, sep, cover = rest.partition(">=")
    if kind == "insurance":
        if sep and cover.isdigit():
            return f"{name} insurance of at least £{int(cover):,}"
        return f"{name} insurance"
    if kind == "policy":
        return f"{name} policy"
    return rest


def _money(value: float) -> str:
    return f"£{value:,.0f} a year"


def _lot_label(need: Need, lot: str) -> str:
    name = need.lot_names.get(lot)
    if name:
        return name
    return "the contract" if len(need.lots) == 1 else f"Lot {lot}"


# ------------------------------------------------------------------------------ the problem
@dataclass
class _Problem:
    """Candidates pruned to those that can deliver a lot, sorted by partner id."""

    need: Need
    lots: list[str]
    cands: list[Candidate]
    fit: list[dict[str, int]]  # per candidate: lot -> fit in hundredths
    miss: list[dict[str, int]]  # per candidate: lot -> number of that lot's keys it lacks
    short: list[dict[str, int]]  # the same, counting only keys some candidate holds
    tender_keys: list[str]
    value: float
    all_cands: list[Candidate]  # every candidate given, sorted by id (for nearest partners)
    index: dict[int, int] = field(default_factory=dict)  # partner id -> position in cands
    required: frozenset[int] = frozenset()  # partner ids that must be members

    def __post_init__(self) -> None:
        self.index = {c.partner_id: i for i, c in enumerate(self.cands)}

    @classmethod
    def build(cls, candidates: Iterable[Candidate], need: Need) -> _Problem:
        everyone = sorted(candidates, key=lambda c: c.partner_id)
        ids = [c.partner_id for c in everyone]
        if len(set(ids)) != len(ids):
            raise ValueError("each candidate must have its own partner_id")
        lots = list(dict.fromkeys(str(lot) for lot in need.lots))
        lotset = set(lots)
        cands, fits, misses, shorts = [], [], [], []
        required = frozenset(need.required) | (
            frozenset({need.lead}) if need.lead is not None else frozenset()
        )
        unknown = required - set(ids)
        if unknown:
            raise ValueError(f"required partners are not candidates: {sorted(unknown)}")
        held_any = set().union(
            *(
                c.holds
                for c in everyone
                if c.partner_id in required or any(lot in lotset for lot in c.fit)
            )
        )
        for c in everyone:
            f = {
                lot: round(min(max(float(v), 0.0), 100.0) * FIT_SCALE)
                for lot, v in c.fit.items()
                if lot in lotset and v is not None
            }
            if not f and c.partner_id not in required:
                continue
            cands.append(c)
            fits.append({lot: f[lot] for lot in lots if lot in f})
            keys = {lot: need.lot_requirements.get(lot, frozenset()) - c.holds for lot in f}
            misses.append({lot: len(k) for lot, k in keys.items()})
            shorts.append({lot: len(k & held_any) for lot, k in keys.items()})
        return cls(
            need=need,
            lots=lots,
            cands=cands,
            fit=fits,
            miss=misses,
            short=shorts,
            tender_keys=sorted(need.tender_requirements),
            value=max(float(need.value or 0.0), 0.0),
            all_cands=everyone,
            required=required,
        )

    def must(self, i: int) -> bool:
        """Whether candidate ``i`` is a required member."""
        return self.cands[i].partner_id in self.required

    def may_join(self, i: int) -> bool:
        """Whether candidate ``i`` may be a member in the strict model: it can deliver a lot
        holding that lot's keys, or it is required."""
        return bool(self.eligible(i)) or self.must(i)

    def eligible(self, i: int) -> list[str]:
        """Lots candidate ``i`` can deliver holding all their keys (leaving out keys that no
        candidate holds: a lot asking for one is delivered with that gap by whoever delivers it)."""
        return [lot for lot, m in self.short[i].items() if m == 0]

    def capacity_met(self, capacity: float) -> bool:
        return self.value <= 0 or capacity >= self.value * (1 - CAP_TOL)

    @property
    def coverable(self) -> list[str]:
        """Lots some candidate can deliver."""
        able = set().union(*self.fit) if self.fit else set()
        return [lot for lot in self.lots if lot in able]

    @property
    def reachable_keys(self) -> list[str]:
        """Tender keys some candidate holds."""
        return [k for k in self.tender_keys if any(k in c.holds for c in self.cands)]

    @property
    def capacity_reachable(self) -> bool:
        return self.capacity_met(sum(max(c.capacity, 0.0) for c in self.cands))

    @property
    def floor(self) -> tuple[int, int, int]:
        """The first three places of :meth:`key` when every avoidable gap is closed: lots nobody
        can deliver, keys nobody holds (per coverable lot, and tender-wide), capacity out of
        reach. A consortium at the floor is a "strict" one."""
        held_any = set().union(*(c.holds for c in self.cands)) if self.cands else set()
        unheld = sum(
            len(self.need.lot_requirements.get(lot, frozenset()) - held_any)
            for lot in self.coverable
        )
        unheld += len(self.tender_keys) - len(self.reachable_keys)
        return (
            len(self.lots) - len(self.coverable),
            unheld,
            0 if self.capacity_reachable else 1,
        )

    def strict_possible(self) -> bool:
        """Whether some consortium reaches :attr:`floor` (ignoring ``max_members``)."""
        ok = [i for i in range(len(self.cands)) if self.may_join(i)]
        covered = {lot for i in ok for lot in self.eligible(i)}
        if not set(self.coverable) <= covered:
            return False
        held = set().union(*(self.cands[i].holds for i in ok)) if ok else set()
        if not set(self.reachable_keys) <= held:
            return False
        if not self.capacity_reachable:
            return True
        return self.capacity_met(sum(max(self.cands[i].capacity, 0.0) for i in ok))

    # -------------------------------------------------------------------------- scoring
    def key(self, members: set[int], assignment: Mapping[str, int]) -> tuple:
        """The lexicographic objective of a consortium (smaller is better), by partner ids:
        (lots uncovered, requirements unmet, capacity unmet, members, -fit in hundredths)."""
        by_id = self.index
        uncovered = sum(1 for lot in self.lots if lot not in assignment)
        unmet = sum(self.miss[by_id[p]][lot] for lot, p in assignment.items())
        held = set().union(*(self.cands[by_id[p]].holds for p in members)) if members else set()
        unmet += sum(1 for k in self.tender_keys if k not in held)
        cap = sum(max(self.cands[by_id[p]].capacity, 0.0) for p in members)
        fit = sum(self.fit[by_id[p]][lot] for lot, p in assignment.items())
        return (uncovered, unmet, 0 if self.capacity_met(cap) else 1, len(members), -fit)

    # -------------------------------------------------------------------------- proposals
    def proposal(
        self, members: set[int], assignment: dict[str, int], *, optimal: bool, rank: int
    ) -> Proposal:
        by_id = self.index
        assignment = {lot: assignment[lot] for lot in self.lots if lot in assignment}
        real_fit = {lot: float(self.cands[by_id[p]].fit[lot]) for lot, p in assignment.items()}
        delivered: dict[int, float] = {}
        for lot, p in assignment.items():
            delivered[p] = delivered.get(p, 0.0) + real_fit[lot]
        capacity = sum(max(self.cands[by_id[p]].capacity, 0.0) for p in members)

        lead = None
        if self.need.lead is not None and self.need.lead in members:
            lead = self.need.lead
        elif members:
            lead = min(
                members,
                key=lambda p: (-self.cands[by_id[p]].capacity, -delivered.get(p, 0.0), p),
            )
        first_lot = {}
        for n, (_lot, p) in enumerate(assignment.items()):
            first_lot.setdefault(p, n)
        rest = sorted(
            (p for p in members if p != lead),
            key=lambda p: (
                first_lot.get(p, len(self.lots)),
                -self.cands[by_id[p]].capacity,
                p,
            ),
        )
        ordered = ([lead] if lead is not None else []) + rest

        gaps = self._gaps(members, assignment, capacity)
        return Proposal(
            members=ordered,
            lead=lead,
            assignment=assignment,
            total_fit=round(sum(real_fit.values()), 6),
            capacity=capacity,
            complete=not gaps,
            gaps=gaps,
            optimal=optimal,
            rank=rank,
        )

    def _gaps(self, members: set[int], assignment: dict[str, int], capacity: float) -> list[Gap]:
        need = self.need
        by_id = self.index
        gaps: list[Gap] = []
        for lot in self.lots:
            label = _lot_label(need, lot)
            if lot not in assignment:
                deliverers = [i for i in range(len(self.cands)) if lot in self.fit[i]]
                if deliverers:
                    # Possible only under max_members: name the best who could deliver it.
                    ranked = sorted(
                        deliverers,
                        key=lambda i: (
                            self.miss[i][lot],
                            -self.fit[i][lot],
                            self.cands[i].partner_id,
                        ),
                    )
                    nearest = [self.cands[i].partner_id for i in ranked[:NEAREST]]
                    message = f"No member covers {label}"
                else:
                    near = [c for c in self.all_cands if c.near.get(lot) is not None]
                    near.sort(key=lambda c: (-float(c.near[lot]), c.partner_id))
                    nearest = [c.partner_id for c in near[:NEAREST]]
                    message = f"No partner covers {label}"
                gaps.append(Gap("lot", lot, None, message, nearest))
                continue
            holder = self.cands[by_id[assignment[lot]]]
            for key in sorted(need.lot_requirements.get(lot, frozenset()) - holder.holds):
                deliverers = [i for i in range(len(self.cands)) if lot in self.fit[i]]
                ranked = sorted(
                    deliverers,
                    key=lambda i, key=key: (
                        key not in self.cands[i].holds,
                        self.miss[i][lot],
                        -self.fit[i][lot],
                        self.cands[i].partner_id,
                    ),
                )
                gaps.append(
                    Gap(
                        "requirement",
                        lot,
                        key,
                        f"No member delivering {label} holds {requirement_label(key)}",
                        [self.cands[i].partner_id for i in ranked[:NEAREST]],
                    )
                )
        held = set().union(*(self.cands[by_id[p]].holds for p in members)) if members else set()
        for key in self.tender_keys:
            if key in held:
                continue
            holders = [c for c in self.cands if key in c.holds and c.partner_id not in members]
            holders.sort(key=lambda c: (-max(self.fit[by_id[c.partner_id]].values()), c.partner_id))
            who = "member" if holders else "partner"
            gaps.append(
                Gap(
                    "tender_requirement",
                    None,
                    key,
                    f"No {who} holds {requirement_label(key)}",
                    [c.partner_id for c in holders[:NEAREST]],
                )
            )
        if not self.capacity_met(capacity):
            others = [c for c in self.cands if c.partner_id not in members]
            others.sort(key=lambda c: (-c.capacity, c.partner_id))
            gaps.append(
                Gap(
                    "capacity",
                    None,
                    None,
                    f"Combined capacity {_money(capacity)} is below the contract's "
                    f"{_money(self.value)}",
                    [c.partner_id for c in others[:NEAREST]],
                )
            )
        return gaps


# ------------------------------------------------------------------------------ the model
class _Model:
    """The integer programme over a :class:`_Problem`, in HiGHS.

    Columns: x_i (candidate i is a member), y_il (i delivers lot l; only where i can deliver l,
    and in the strict model only where it also holds l's keys); in the relaxed model also u_l
    (lot l uncovered), t_k (tender key k unheld) and c (capacity met).
    Rows: each lot delivered once (or uncovered); y_il <= x_i; each tender key held (or t_k);
    capacity; in the relaxed model a candidate not eligible for any lot joins only to deliver one;
    optionally at most ``max_members``; later, no-good cuts and the level-1 bound.
    """

    def __init__(
        self,
        prob: _Problem,
        *,
        strict: bool,
        max_members: int | None,
        only: Sequence[int] | None = None,
    ):
        import highspy

        self.prob, self.strict = prob, strict
        n_lots = len(prob.lots)
        lot_index = {lot: j for j, lot in enumerate(prob.lots)}
        if only is not None:
            self.members = list(only)
        elif strict:
            self.members = [i for i in range(len(prob.cands)) if prob.may_join(i)]
        else:
            self.members = list(range(len(prob.cands)))
        self.x = {i: k for k, i in enumerate(self.members)}
        ncol = len(self.members)
        self.y: dict[tuple[int, str], int] = {}
        for i in self.members:
            for lot in prob.fit[i]:
                if strict and prob.short[i][lot]:
                    continue
                self.y[(i, lot)] = ncol
                ncol += 1
        self.u, self.t, self.c = {}, {}, None
        if not strict:
            for lot in prob.lots:
                self.u[lot] = ncol
                ncol += 1
            for key in prob.tender_keys:
                self.t[key] = ncol
                ncol += 1
            if prob.value > 0:
                self.c = ncol
                ncol += 1
        self.ncol = ncol

        rows: list[tuple[float, float, list[int], list[float]]] = []
        inf = highspy.kHighsInf
        per_lot: list[list[int]] = [[] for _ in range(n_lots)]
        for (i, lot), col in self.y.items():
            per_lot[lot_index[lot]].append(col)
            rows.append((-inf, 0.0, [col, self.x[i]], [1.0, -1.0]))
        # the strict model leaves out what nobody can meet: lots nobody delivers, tender keys
        # nobody holds, a capacity beyond everyone's
        coverable = set(prob.coverable)
        for j, lot in enumerate(prob.lots):
            if strict and lot not in coverable:
                continue
            cols = per_lot[j] + ([self.u[lot]] if not strict else [])
            rows.append((1.0, 1.0, cols, [1.0] * len(cols)))
        for key in prob.reachable_keys if strict else prob.tender_keys:
            cols = [self.x[i] for i in self.members if key in prob.cands[i].holds]
            if not strict:
                cols.append(self.t[key])
            rows.append((1.0, inf, cols, [1.0] * len(cols)))
        if prob.value > 0 and (prob.capacity_reachable or not strict):
            cols = [self.x[i] for i in self.members]
            vals = [max(prob.cands[i].capacity, 0.0) / prob.value for i in self.members]
            if strict:
                rows.append((1.0 - CAP_TOL, inf, cols, vals))
            else:
                rows.append((0.0, inf, cols + [self.c], vals + [-(1.0 - CAP_TOL)]))
        if not strict:
            for i in self.members:
                if not prob.eligible(i) and not prob.must(i):
                    ys = [self.y[(i, lot)] for lot in prob.fit[i]]
                    rows.append((-inf, 0.0, [self.x[i]] + ys, [1.0] + [-1.0] * len(ys)))
        if max_members is not None:
            rows.append((-inf, float(max_members), list(self.x.values()), [1.0] * len(self.x)))

        # Objectives, solved one level at a time (each bounded before the next): in the relaxed
        # model first (1) lots, requirements and capacity; then (2) members; then (3) fit. Each
        # level has integral costs, so HiGHS rounds its bounds; one blended objective with big
        # weights is far slower (the member count's LP bound is weak until rounded).
        self.levels: list[np.ndarray] = []
        if not strict:
            most_unmet = sum(len(prob.need.lot_requirements.get(lot, ())) for lot in prob.lots)
            most_unmet += len(prob.tender_keys)
            w_req = 2
            w_lot = w_req * most_unmet + 2
            obj1 = np.zeros(ncol)
            for col in self.u.values():
                obj1[col] = w_lot
            for (i, lot), col in self.y.items():
                obj1[col] = w_req * prob.miss[i][lot]
            for col in self.t.values():
                obj1[col] = w_req
            if self.c is not None:
                obj1[self.c] = -1
            self.levels.append(obj1)
        obj_members = np.zeros(ncol)
        for k in self.x.values():
            obj_members[k] = 1
        self.levels.append(obj_members)
        obj_fit = np.zeros(ncol)
        for (i, lot), col in self.y.items():
            obj_fit[col] = -prob.fit[i][lot]
        self.levels.append(obj_fit)

        h = highspy._Highs()  # the Highs() wrapper prints a banner on stdout
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", 0.0)
        # Every level's costs are integers on binary columns, so no better solution exists once
        # the gap is under 1: an exact stop (HiGHS does not round its bound up by itself).
        h.setOptionValue("mip_abs_gap", 1.0 - 1e-6)
        lp = highspy.HighsLp()
        lp.num_col_ = ncol
        lp.num_row_ = len(rows)
        lp.col_cost_ = self.levels[0]
        lower = np.zeros(ncol)
        for i, k in self.x.items():
            if prob.must(i):
                lower[k] = 1.0  # a required member is always in
        lp.col_lower_ = lower
        lp.col_upper_ = np.ones(ncol)
        lp.row_lower_ = np.array([r[0] for r in rows], dtype=float)
        lp.row_upper_ = np.array([r[1] for r in rows], dtype=float)
        starts, index, value = [0], [], []
        for r in rows:
            index.extend(r[2])
            value.extend(r[3])
            starts.append(len(index))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = ncol
        lp.a_matrix_.num_row_ = len(rows)
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value, dtype=float)
        lp.integrality_ = [highspy.HighsVarType.kInteger] * ncol
        h.passModel(lp)
        self.h = h
        self.highspy = highspy
        # one row per level but the last, free until its level is solved
        self.level_rows = []
        for k, cost in enumerate(self.levels[:-1]):
            nz = np.flatnonzero(cost)
            h.addRow(-inf, inf, len(nz), nz.astype(np.int32), cost[nz])
            self.level_rows.append(len(rows) + k)

    def cut(self, member_ids: Iterable[int]) -> None:
        """Forbid this member set and its supersets: sum of their x <= |set| - 1."""
        by_id = {self.prob.cands[i].partner_id: i for i in self.members}
        member_ids = list(member_ids)
        cols = [self.x[by_id[p]] for p in member_ids if p in by_id]
        if len(cols) < len(member_ids):
            return  # a member outside this model: the set cannot recur here
        self.h.addRow(
            -self.highspy.kHighsInf,
            len(cols) - 1.0,
            len(cols),
            np.array(cols, dtype=np.int32),
            np.ones(len(cols)),
        )

    def _run(self, cost: np.ndarray, deadline: float, start: np.ndarray | None):
        """Solve with this cost; returns (solution or None, proven optimal)."""
        hs = self.highspy
        h = self.h
        h.changeColsCost(self.ncol, np.arange(self.ncol, dtype=np.int32), cost)
        h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
        if start is not None:
            h.setSolution(self.ncol, np.arange(self.ncol, dtype=np.int32), start)
        h.run()
        status = h.getModelStatus()
        if h.getInfo().primal_solution_status != 2:  # no feasible solution
            return None, False
        values = np.asarray(h.getSolution().col_value)
        return np.round(values), status == hs.HighsModelStatus.kOptimal

    def solve(
        self,
        deadline: float,
        hints: Sequence[np.ndarray] = (),
        *,
        first: float | None = None,
    ):
        """Returns (members, assignment, optimal) or None when infeasible or out of time.

        ``hints`` are feasible column vectors; at each level the best one that keeps the levels
        already solved is the solver's first incumbent. ``first`` is the first level's optimum
        when already proven (the level is then not solved again)."""
        inf = self.highspy.kHighsInf
        for row in self.level_rows:
            self.h.changeRowBounds(row, -inf, inf)
        optimal = True
        values = None
        held: list[float] = []
        for k, cost in enumerate(self.levels):
            if k == 0 and first is not None and self.level_rows:
                held.append(first)
                self.h.changeRowBounds(self.level_rows[0], first, first)
                continue
            fitting = [
                v for v in hints if all(self.levels[j] @ v <= held[j] + 0.5 for j in range(k))
            ]
            start = min(fitting, key=lambda v, cost=cost: float(cost @ v)) if fitting else None
            values, ok = self._run(cost, deadline, start)
            if values is None:
                return None
            optimal &= ok
            if k < len(self.level_rows):
                # hold this level at its value (integral, so exact); when proven optimal it is
                # also a lower bound, which tightens the next level's relaxation
                best = float(round(cost @ values))
                held.append(best)
                self.h.changeRowBounds(self.level_rows[k], best if ok else -inf, best)
        self.held = held
        return (*self.decode(values), optimal)

    def first_level(self, deadline: float, hints: Sequence[np.ndarray] = ()):
        """Solve the first level alone: (its optimum, proven) or None."""
        inf = self.highspy.kHighsInf
        for row in self.level_rows:
            self.h.changeRowBounds(row, -inf, inf)
        cost = self.levels[0]
        start = min(hints, key=lambda v: float(cost @ v)) if hints else None
        values, ok = self._run(cost, deadline, start)
        if values is None:
            return None
        return float(round(cost @ values)), ok

    def decode(self, values: np.ndarray) -> tuple[set[int], dict[str, int]]:
        cands = self.prob.cands
        members = {cands[i].partner_id for i, k in self.x.items() if values[k] > 0.5}
        assignment = {}
        for (i, lot), col in self.y.items():
            if values[col] > 0.5:
                assignment[lot] = cands[i].partner_id
        return members, assignment

    def encode(self, members: set[int], assignment: Mapping[str, int]) -> np.ndarray | None:
        """A column vector for a consortium (a start for the solver), or None if not in model."""
        by_id = {self.prob.cands[i].partner_id: i for i in self.members}
        v = np.zeros(self.ncol)
        for p in members:
            if p not in by_id:
                return None
            v[self.x[by_id[p]]] = 1
        for lot, p in assignment.items():
            col = self.y.get((by_id.get(p, -1), lot))
            if col is None:
                return None
            v[col] = 1
        for lot, col in self.u.items():
            v[col] = 0 if lot in assignment else 1
        held = (
            set().union(*(self.prob.cands[by_id[p]].holds for p in members)) if members else set()
        )
        for key, col in self.t.items():
            v[col] = 0 if key in held else 1
        if self.c is not None:
            cap = sum(max(self.prob.cands[by_id[p]].capacity, 0.0) for p in members)
            v[self.c] = 1 if self.prob.capacity_met(cap) else 0
        return v


# ------------------------------------------------------------------------------ greedy start
def _greedy(prob: _Problem, strict: bool) -> tuple[set[int], dict[str, int]]:
    """A quick consortium: each lot to its best deliverer, then holders, then capacity.

    The answer (with ``optimal=False``) only if the solver runs out of time before any."""
    assignment: dict[str, int] = {}
    members: set[int] = set(prob.required)
    for lot in prob.lots:
        options = [
            i
            for i in range(len(prob.cands))
            if lot in prob.fit[i] and (not strict or prob.short[i][lot] == 0)
        ]
        if options:
            best = min(options, key=lambda i: (prob.short[i][lot], -prob.fit[i][lot], i))
            assignment[lot] = prob.cands[best].partner_id
            members.add(prob.cands[best].partner_id)
    pool = [i for i in range(len(prob.cands)) if prob.eligible(i)]
    by_id = prob.index
    held = set().union(*(prob.cands[by_id[p]].holds for p in members)) if members else set()
    for key in prob.tender_keys:
        if key not in held:
            holders = [i for i in pool if key in prob.cands[i].holds]
            if holders:
                best = max(holders, key=lambda i: (prob.cands[i].capacity, -i))
                members.add(prob.cands[best].partner_id)
                held |= prob.cands[best].holds
    cap = sum(max(prob.cands[by_id[p]].capacity, 0.0) for p in members)
    for i in sorted(pool, key=lambda i: (-prob.cands[i].capacity, i)):
        if prob.capacity_met(cap):
            break
        if prob.cands[i].partner_id not in members:
            members.add(prob.cands[i].partner_id)
            cap += max(prob.cands[i].capacity, 0.0)
    return members, assignment


# ------------------------------------------------------------------------------ propose
def propose(
    candidates: Sequence[Candidate],
    need: Need,
    *,
    alternatives: int = 3,
    max_members: int | None = None,
    time_limit: float = 5.0,
) -> list[Proposal]:
    """The best consortium for ``need`` and up to ``alternatives - 1`` others, best first.

    The first proposal is always returned (with no members and every lot a gap if no candidate
    can deliver anything); alternatives have different member sets, none containing an earlier
    proposal's members. ``time_limit`` (seconds) bounds the whole call; a proposal found when time
    ran out has ``optimal=False``.
    """
    deadline = time.perf_counter() + time_limit
    prob = _Problem.build(candidates, need)
    if max_members is not None and max_members < 0:
        raise ValueError("max_members must be at least 0")

    found = None
    model = None
    keep: list[int] = []
    if prob.strict_possible():
        model = _Model(prob, strict=True, max_members=max_members)
        covers, first, keep = _member_start(prob, model, max_members, deadline)
        found = _solve_strict(prob, model, keep, [], max_members, deadline, covers, first)
        if found is None and time.perf_counter() >= deadline:
            g_members, g_assign = _greedy(prob, strict=True)
            if prob.key(g_members, g_assign)[:3] == prob.floor and (
                max_members is None or len(g_members) <= max_members
            ):
                found = (g_members, g_assign, False)  # out of time: the greedy cover stands
    if found is None:
        model = _Model(prob, strict=False, max_members=max_members)
        found = model.solve(deadline)
        if found is None:  # out of time (the relaxed model is always feasible)
            g_members, g_assign = _greedy(prob, strict=False)
            if max_members is None or len(g_members) <= max_members:
                found = (g_members, g_assign, False)
            else:
                found = (set(), {}, False)

    proposals = [prob.proposal(found[0], found[1], optimal=found[2], rank=1)]
    taken: list[set[int]] = []
    # Alternatives are as complete as the first proposal: the same lots, requirements and
    # capacity met (the strict model, or the relaxed one with its first level held).
    level = getattr(model, "held", [None])[0] if not model.strict else None
    while len(proposals) < alternatives and found[0] and time.perf_counter() < deadline:
        taken.append(found[0])
        model.cut(found[0])
        if model.strict:
            swaps = _swaps(prob, taken, proposals, max_members)
            found = _solve_strict(prob, model, keep, taken, max_members, deadline, swaps)
        elif level is not None:
            found = model.solve(deadline, first=level)
        else:
            break
        if found is None or not found[0]:
            break
        proposals.append(
            prob.proposal(found[0], found[1], optimal=found[2], rank=len(proposals) + 1)
        )
    return proposals


def _solve_strict(
    prob: _Problem,
    model: _Model,
    keep: list[int],
    taken: list[set[int]],
    max_members: int | None,
    deadline: float,
    covers: Sequence[tuple[set[int], dict[str, int]]] = (),
    first: float | None = None,
):
    """Solve the strict model: the member count, then (with the best cover among a few hundred
    promising candidates as the first incumbent) the fit. ``covers`` are known complete covers
    allowed by the cuts; ``first`` the member count when already proven."""
    hints = [model.encode(m, a) for m, a in covers]
    hints = [v for v in hints if v is not None]
    proven = first is not None
    if first is None:
        level = model.first_level(deadline, hints)
        if level is None:
            return None
        first, proven = level
    if keep:
        fitting = [c for c in covers if len(c[0]) == first]
        near = _restricted(prob, keep, taken, max_members, deadline, first, fitting)
        v = None if near is None else model.encode(*near)
        if v is not None:
            hints.append(v)
    return model.solve(deadline, hints, first=first if proven else None)


def _member_start(
    prob: _Problem, model: _Model, max_members: int | None, deadline: float
) -> tuple[list[tuple[set[int], dict[str, int]]], float | None, list[int]]:
    """A first incumbent for the member count, and the count itself when it is proven.

    Finding a consortium with the fewest members is what takes HiGHS long (its bound, the lots
    over the most lots a partner can deliver, is right at once; a cover that meets it is hard to
    find among hundreds of partners). So solve the member level first on the candidates no other
    candidate dominates (one that delivers a superset of its lots, holds a superset of its tender
    keys and has at least its capacity): a much smaller model, whose answer is a consortium of
    the full model too. If it meets a simple lower bound, the member count is proven."""
    eligible = [i for i in range(len(prob.cands)) if prob.eligible(i)]
    if len(eligible) < 50 or prob.required:  # (the dominance argument assumes free choice)
        return [], None, []
    lot_bit = {lot: 1 << j for j, lot in enumerate(prob.lots)}
    key_bit = {k: 1 << j for j, k in enumerate(prob.tender_keys)}
    sig = np.array(
        [sum(lot_bit[lot] for lot in prob.eligible(i)) for i in eligible], dtype=np.int64
    )
    keys = np.array(
        [sum(b for k, b in key_bit.items() if k in prob.cands[i].holds) for i in eligible],
        dtype=np.int64,
    )
    cap = np.array([max(prob.cands[i].capacity, 0.0) for i in eligible])
    order = np.arange(len(eligible))
    covers = ((sig[:, None] & sig[None, :]) == sig[None, :]) & (
        (keys[:, None] & keys[None, :]) == keys[None, :]
    )
    better = (cap[:, None] > cap[None, :]) | (
        (cap[:, None] == cap[None, :])
        & (
            (sig[:, None] != sig[None, :])
            | (keys[:, None] != keys[None, :])
            | (order[:, None] < order[None, :])
        )
    )
    dominated = (covers & better).any(axis=0)
    keep = [eligible[k] for k in np.flatnonzero(~dominated)]
    small = _Model(prob, strict=True, max_members=max_members, only=keep)
    values, _ok = small._run(small.levels[0], deadline, None)
    if values is None:
        return [], None, keep
    members, _ = small.decode(values)
    assignment = {}
    for lot in prob.coverable:  # each lot to its best-fit member
        options = [prob.index[p] for p in members if lot in prob.eligible(prob.index[p])]
        best = min(options, key=lambda i: (-prob.fit[i][lot], i))
        assignment[lot] = prob.cands[best].partner_id
    # lower bounds on the member count: lots over the most a partner delivers; capacity
    most = max(len(prob.eligible(i)) for i in eligible)
    bound = -(-len(prob.coverable) // most)
    if prob.value > 0 and prob.capacity_reachable:
        total, need_n = 0.0, 0
        for c in sorted(cap, reverse=True):
            if prob.capacity_met(total):
                break
            total += c
            need_n += 1
        bound = max(bound, need_n)
    first = float(len(members)) if len(members) <= bound else None
    return [(members, assignment)], first, keep


def _restricted(
    prob: _Problem,
    keep: Iterable[int],
    taken: list[set[int]],
    max_members: int | None,
    deadline: float,
    member_count: float,
    covers: Sequence[tuple[set[int], dict[str, int]]] = (),
    per_lot: int = 10,
) -> tuple[set[int], dict[str, int]] | None:
    """The best complete cover among a few hundred promising candidates (``keep``, plus the
    best ``per_lot`` deliverers of each lot), under the same cuts: a consortium of the full
    model too, and usually the optimum or close to it, so HiGHS then prunes most of the full
    model at once."""
    chosen = set(keep)
    for lot in prob.lots:
        able = [i for i in range(len(prob.cands)) if prob.short[i].get(lot) == 0]
        able.sort(key=lambda i: (-prob.fit[i][lot], i))
        chosen.update(able[:per_lot])
    for members in taken:
        chosen.update(prob.index[p] for p in members)
    chosen.update(prob.index[p] for p in prob.required)
    for members, _assignment in covers:
        chosen.update(prob.index[p] for p in members)
    model = _Model(prob, strict=True, max_members=max_members, only=sorted(chosen))
    for members in taken:
        model.cut(members)
    hints = [model.encode(m, a) for m, a in covers]
    found = model.solve(deadline, [v for v in hints if v is not None], first=member_count)
    return None if found is None else (found[0], found[1])


def _swaps(
    prob: _Problem,
    taken: list[set[int]],
    proposals: list[Proposal],
    max_members: int | None,
) -> list[tuple[set[int], dict[str, int]]]:
    """Complete covers one swap away from earlier proposals, allowed by the cuts: drop a member,
    hand its lots to the others or to one newcomer, reassign every lot to its best member.

    A good first incumbent lets HiGHS prune most columns at once; without one, proving an
    alternative took seconds. Returns the best few, by (members, -fit)."""
    by_id = prob.index
    pool = [i for i in range(len(prob.cands)) if prob.eligible(i)]
    eligible = [set(prob.eligible(i)) for i in range(len(prob.cands))]
    excluded = [frozenset(s) for s in taken]
    coverable, floor = prob.coverable, prob.floor

    def best_assignment(members: list[int]) -> dict[str, int] | None:
        assignment = {}
        for lot in coverable:
            options = [i for i in members if lot in eligible[i]]
            if not options:
                return None
            best = min(options, key=lambda i: (-prob.fit[i][lot], i))
            assignment[lot] = prob.cands[best].partner_id
        return assignment

    seen: set[frozenset[int]] = set()
    out: list[tuple[tuple, set[int], dict[str, int]]] = []
    for prop in proposals:
        base = [by_id[p] for p in prop.members if p in by_id]
        for drop in base:
            if prob.must(drop):
                continue
            rest = [i for i in base if i != drop]
            missing = set(coverable).difference(*(eligible[i] for i in rest))
            newcomers: list[int | None] = [None]
            newcomers += [j for j in pool if j not in base and missing <= eligible[j]]
            for j in newcomers:
                if j is None and missing:
                    continue
                members = rest if j is None else [*rest, j]
                ids = frozenset(prob.cands[i].partner_id for i in members)
                if not ids or ids in seen or any(s <= ids for s in excluded):
                    continue
                seen.add(ids)
                if max_members is not None and len(ids) > max_members:
                    continue
                assignment = best_assignment(members)
                if assignment is None:
                    continue
                key = prob.key(set(ids), assignment)
                if key[:3] == floor:
                    out.append((key, set(ids), assignment))
    out.sort(key=lambda t: (t[0], sorted(t[1])))
    return [(members, assignment) for _key, members, assignment in out[:5]]


# ------------------------------------------------------------------------------ brute force
def _brute_force(
    candidates: Sequence[Candidate],
    need: Need,
    *,
    max_members: int | None = None,
    exclude: Iterable[Iterable[int]] = (),
    level: tuple | None = None,
) -> Proposal | None:
    """The optimum by trying every member set and every assignment (tiny instances only).

    Member sets containing any set in ``exclude`` are skipped (the optimiser's cuts); with
    ``level``, only consortia whose lots, requirements and capacity met (``key[:3]``) equal it
    count (alternatives). Follows the rules of :func:`propose` by separate code, for tests."""
    prob = _Problem.build(candidates, need)
    excluded = [frozenset(s) for s in exclude]
    n = len(prob.cands)
    best_key, best = None, None
    for size in range(0, n + 1 if max_members is None else min(n, max_members) + 1):
        for combo in itertools.combinations(range(n), size):
            ids = frozenset(prob.cands[i].partner_id for i in combo)
            if any(s <= ids for s in excluded) or not prob.required <= ids:
                continue
            options = []
            for lot in prob.lots:
                options.append([None] + [i for i in combo if lot in prob.fit[i]])
            for choice in itertools.product(*options):
                assigned = {i for i in choice if i is not None}
                # a member not eligible for any lot may only join to deliver one
                if any(
                    not prob.eligible(i) and not prob.must(i) and i not in assigned for i in combo
                ):
                    continue
                assignment = {
                    lot: prob.cands[i].partner_id
                    for lot, i in zip(prob.lots, choice, strict=True)
                    if i is not None
                }
                key = prob.key(set(ids), assignment)
                if level is not None and key[:3] != tuple(level):
                    continue
                if best_key is None or key < best_key:
                    best_key, best = key, (set(ids), assignment)
    if best is None:
        return None
    return prob.proposal(best[0], best[1], optimal=True, rank=1)


def _rank_key(proposal: Proposal, candidates: Sequence[Candidate], need: Need) -> tuple:
    """The lexicographic objective of a proposal (smaller is better), for tests and benches."""
    prob = _Problem.build(candidates, need)
    return prob.key(set(proposal.members), proposal.assignment)
