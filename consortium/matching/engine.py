"""Score every partner against every tender (or lot) at once, with the formulas of ``scoring``.

    engine = Engine(orgs, targets, weights, today)
    engine.scores          # numpy array, partners × targets, 0..100
    engine.top_partners(j) # partner rows for target j, best first
    engine.top_targets(i)  # target columns for partner i, best first

``scoring.score`` explains one pair; this computes the same numbers for thousands of pairs in
matrix form. The discrete relations (CPV code to CPV code, area to place) are built by calling the
per-pair functions on single codes, and each factor is the maximum over pairs, so both paths agree
exactly (a test checks every pair of the demo workspace).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from consortium import places
from consortium.matching import scoring
from consortium.matching.scoring import Target, Weights
from consortium.matching.text import TextModel, tf
from consortium.matching.text import counts as text_counts
from consortium.records import Organisation
from consortium.tenders.records import as_utc

if TYPE_CHECKING:
    from scipy import sparse

_FAR_FUTURE = dt.date.max.toordinal()
_MISSING = -1


def _incidence(rows: Sequence[Sequence[str]], index: dict[str, int]) -> sparse.csr_matrix:
    # scipy is imported where it is used: only matching needs it, and it costs start-up time
    from scipy import sparse

    data_rows, cols = [], []
    for r, codes in enumerate(rows):
        for code in set(codes):
            if code in index:
                data_rows.append(r)
                cols.append(index[code])
    data = np.ones(len(cols), dtype=np.float32)
    return sparse.csr_matrix((data, (data_rows, cols)), shape=(len(rows), len(index)))


def _best_relation(
    left: Sequence[Sequence[str]],
    right: Sequence[Sequence[str]],
    relation: dict[tuple[str, str], float],
) -> np.ndarray:
    """max over (a in left[i], b in right[j]) of relation[a, b] (0 when none), as a matrix."""
    from scipy import sparse

    left_index = {c: k for k, c in enumerate(sorted({c for codes in left for c in codes}))}
    right_index = {c: k for k, c in enumerate(sorted({c for codes in right for c in codes}))}
    result = np.zeros((len(left), len(right)), dtype=np.float32)
    if not left_index or not right_index:
        return result
    a = _incidence(left, left_index)
    b = _incidence(right, right_index)
    by_level: dict[float, list[tuple[int, int]]] = defaultdict(list)
    for (x, y), v in relation.items():
        if v > 0 and x in left_index and y in right_index:
            by_level[v].append((left_index[x], right_index[y]))
    cells = result.size
    for level in sorted(by_level):  # ascending: a higher level overwrites a lower one
        li, ri = zip(*by_level[level], strict=True)
        k = sparse.csr_matrix(
            (np.ones(len(li), dtype=np.float32), (li, ri)),
            shape=(len(left_index), len(right_index)),
        )
        hit = (a @ k) @ b.T
        if hit.nnz > cells // 8:  # dense enough that a full mask is cheaper than coordinates
            result[hit.toarray() > 0] = level
        else:
            coo = hit.tocoo()
            result[coo.row, coo.col] = level
    return result


def _cpv_relation(partner_codes: set[str], target_codes: set[str]) -> dict[tuple[str, str], float]:
    by_division: dict[str, list[str]] = defaultdict(list)
    for code in target_codes:
        by_division[code[:2]].append(code)
    relation = {}
    for pc in partner_codes:
        for tc in by_division.get(pc[:2], ()):
            value = scoring.cpv_pair(pc, tc)[0]
            if value:
                relation[pc, tc] = value
    return relation


def _place_relation(areas: set[str], target_places: set[str]) -> dict[tuple[str, str], float]:
    def top_levels(code: str) -> set[str]:
        chain = places.ancestors(code)
        return {c for c in chain if len(c) == 3} or {code[:3]}

    place_tops = {p: top_levels(p) for p in target_places if p not in ("TL", "UK")}
    relation = {}
    for area in areas:
        area_tops = top_levels(area)
        whole_uk = area in ("TL", "UK")  # a partner serving the whole UK is around every place
        for place, tops in place_tops.items():
            if whole_uk or area_tops & tops:
                value, _ = scoring.place_fit([area], (place,))
                if value:
                    relation[area, place] = value
    return relation


class TargetSet:
    """What the engine needs of the tenders, prepared once and reused for every ranking until
    the tenders change (the word matrix is the costly part)."""

    def __init__(
        self,
        targets: Sequence[Target],
        text: TextModel | None = None,
        vocab: dict[str, int] | None = None,
    ):
        """``vocab``: word numbers to start from (another set's), so the same words keep the
        same columns and the sums run in the same order."""
        from scipy import sparse

        self.targets = list(targets)
        self.text = text or TextModel.build(t.text for t in self.targets)
        self.vocab: dict[str, int] = dict(vocab or {})
        # TextModel.vector of every text, worked out for all of them at once with the same
        # floating-point operations in the same order (so the same numbers).
        vocab, lengths, cols, tfs = self.vocab, [], [], []
        for t in self.targets:
            found = text_counts(t.text)
            lengths.append(len(found))
            cols += [vocab.setdefault(term, len(vocab)) for term in found]
            tfs += found.values()
        cols = np.asarray(cols, dtype=np.int64)
        idf = np.array([self.text.idf(term) for term in vocab], dtype=np.float64)
        tf_of = np.array([tf(c) for c in range(max(tfs, default=0) + 1)], dtype=np.float64)
        weights = tf_of[np.asarray(tfs, dtype=np.int64)] * idf[cols]
        squares = (weights * weights).tolist()
        norms, start = [], 0
        for n in lengths:  # summed one by one, left to right, as sum() does
            norms.append(math.sqrt(sum(squares[start : start + n])) or 1.0)
            start += n
        weights /= np.repeat(np.array(norms, dtype=np.float64), lengths)
        rows = np.repeat(np.arange(len(self.targets)), lengths)
        self.words = sparse.csr_matrix(
            (weights.astype(np.float32), (rows, cols)),
            shape=(len(self.targets), len(self.vocab)),
        )

    def cosines(self, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of each partner text (rows) to each tender text (columns).

        Only words the partners use can contribute, so the tenders' matrix is cut down to those
        columns and multiplied by the partners' (small, dense) matrix: much faster than a
        sparse-by-sparse product whose result is dense anyway.
        """
        local: dict[int, int] = {}
        rows, cols, vals = [], [], []
        for r, text in enumerate(texts):
            for term, weight in self.text.vector(text).items():
                col = self.vocab.get(term)
                if col is not None:
                    rows.append(r)
                    cols.append(local.setdefault(col, len(local)))
                    vals.append(weight)
        dense = np.zeros((len(local), len(texts)), dtype=np.float32)
        dense[cols, rows] = vals
        used = np.fromiter(local.keys(), dtype=np.int64, count=len(local))
        return np.ascontiguousarray((self.words[:, used] @ dense).T)


class Engine:
    def __init__(
        self,
        orgs: Sequence[Organisation],
        targets: Sequence[Target] | TargetSet,
        weights: Weights | None = None,
        today: dt.date | None = None,
        text: TextModel | None = None,
    ):
        self.orgs = list(orgs)
        self.prepared = targets if isinstance(targets, TargetSet) else TargetSet(targets, text)
        self.targets = self.prepared.targets
        self.weights = weights or Weights()
        self.today = today or dt.date.today()
        self.text = self.prepared.text
        self.factors: dict[str, np.ndarray] = {}
        self._no_service: np.ndarray | None = None
        self.blocked = np.zeros((len(self.orgs), len(self.targets)), dtype=bool)
        self._compute()

    # --------------------------------------------------------------------- factors
    def _compute(self) -> None:
        self.factors["service"] = self._service()
        self.factors["place"] = self._place()
        self.factors["capacity"] = self._capacity()
        self.factors["eligibility"] = self._eligibility()
        self.factors["suitability"] = self._suitability()
        self.reweight(self.weights)

    def reweight(self, weights: Weights) -> None:
        """New weights re-rank at once: the factor scores are kept."""
        self.weights = weights
        scale = 100 / weights.total()
        total = np.zeros((len(self.orgs), len(self.targets)), dtype=np.float32)
        for factor in scoring.FACTORS:
            if factor == "service":
                continue
            weight = np.float32(getattr(weights, factor) * scale)
            if weight:
                total += weight * self.factors[factor]  # one temporary at a time: 10M cells each
        # The rule of scoring.total_score: without service fit only the service points count.
        if self._no_service is None:  # the service factor never changes with the weights
            self._no_service = self.factors["service"] < np.float32(
                scoring.SERVICE_FIT - scoring.EPS
            )
        np.copyto(total, np.float32(0), where=self._no_service)
        total += np.float32(weights.service * scale) * self.factors["service"]
        self.scores = total

    def _service(self) -> np.ndarray:
        words = self.prepared.cosines([scoring._partner_text(o) for o in self.orgs])
        np.minimum(words, 1.0, out=words)  # cosine, as TextModel.similarity caps it
        words *= np.float32(1 / 0.35)
        np.minimum(words, 1.0, out=words)  # scoring.text_score
        partner_codes = [o.cpv_codes for o in self.orgs]
        target_codes = [t.cpv for t in self.targets]
        relation = _cpv_relation(
            {c for cs in partner_codes for c in cs}, {c for cs in target_codes for c in cs}
        )
        # Sharing only a division is common and dense: a product over the ~45 divisions finds it;
        # the rarer, closer relations go through the sparse per-level products.
        divisions = sorted({c[:2] for cs in (*partner_codes, *target_codes) for c in cs})
        div_index = {d: k for k, d in enumerate(divisions)}
        a = _incidence([[c[:2] for c in cs] for cs in partner_codes], div_index).toarray()
        b = _incidence([[c[:2] for c in cs] for cs in target_codes], div_index).toarray()
        codes = np.where(a @ b.T > 0, np.float32(scoring.CPV_SAME_DIVISION), np.float32(0))
        closer = {pair: v for pair, v in relation.items() if v > scoring.CPV_SAME_DIVISION}
        np.maximum(codes, _best_relation(partner_codes, target_codes, closer), out=codes)
        # With codes on both sides: 0.6 × codes + 0.4 × words; otherwise words alone.
        p_has = np.array([bool(c) for c in partner_codes])
        t_has = np.array([bool(c) for c in target_codes])
        # scoring.cpv_alone_capped: codes that are no close match, with no words in common
        eps = scoring.EPS
        has_text = np.array([bool(scoring._partner_text(o).strip()) for o in self.orgs])
        weak = codes < np.float32(scoring.CPV_CLOSE - eps)
        weak &= words < np.float32(scoring.WORDS_MIN - eps)
        weak &= has_text[:, None]
        codes *= np.float32(0.6)
        codes += np.float32(0.4) * words
        np.minimum(codes, np.float32(scoring.CPV_ALONE), out=codes, where=weak)
        rows = np.flatnonzero(p_has)
        cols = np.flatnonzero(t_has)
        if len(rows) == len(self.orgs) and len(cols) == len(self.targets):
            return codes
        keep = np.outer(p_has, t_has)
        return np.where(keep, codes, words)

    def _place(self) -> np.ndarray:
        areas = [o.areas for o in self.orgs]
        target_places = [[p for p in t.places if p not in ("TL", "UK")] for t in self.targets]
        relation = _place_relation(
            {a for a_s in areas for a in a_s}, {p for ps in target_places for p in ps}
        )
        best = _best_relation(areas, target_places, relation)
        whole_uk = np.array(
            [len(sp) < len(t.places) for sp, t in zip(target_places, self.targets, strict=True)]
        )
        if whole_uk.any():
            best[:, whole_uk] = np.maximum(best[:, whole_uk], scoring.PLACE_WHOLE_UK)
        no_places = np.array([not t.places for t in self.targets])
        no_areas = np.array([not a for a in areas])
        best[no_areas, :] = scoring.PLACE_UNKNOWN_PARTNER
        best[:, no_places] = scoring.PLACE_UNSTATED
        # Who may bid (a reserved participation location) is an eligibility rule, not a place
        # score; such notices are rare, so they are done one by one with scoring's own rule.
        for j, t in enumerate(self.targets):
            if any(c != "K02000001" for c in t.reserved):
                for i, org in enumerate(self.orgs):
                    if not scoring.reserved_ok(org.areas, t.reserved):
                        self.blocked[i, j] = True
        return best

    def _capacity(self) -> np.ndarray:
        turnover = np.array(
            [(o.latest_turnover() or (0, np.nan))[1] for o in self.orgs], dtype=np.float64
        )
        annual = np.array([t.annual_value or np.nan for t in self.targets], dtype=np.float64)
        # scoring.capacity_score as a step function of annual value / turnover: count the
        # thresholds passed (0.5, 1, 2) and look the score up. Comparisons are made as
        # value > threshold × turnover so no division is needed (turnover 0 passes them all).
        levels = np.array([1.0, 0.7, 0.4, 0.15], dtype=np.float32)
        known_turnover = np.nan_to_num(turnover, nan=0.0)
        steps = np.zeros((len(self.orgs), len(self.targets)), dtype=np.int8)
        a = annual[None, :].astype(np.float32)
        for threshold in (scoring.USUAL_TURNOVER_SHARE, 1.0, 2.0):
            steps += a > (threshold * known_turnover)[:, None].astype(np.float32)
        score = levels[steps]
        score[np.isnan(turnover), :] = scoring.CAPACITY_NO_TURNOVER
        score[:, np.isnan(annual)] = scoring.CAPACITY_NO_VALUE
        return score

    def _eligibility(self) -> np.ndarray:
        result = np.ones((len(self.orgs), len(self.targets)), dtype=np.float32)
        needs: dict[str, list[int]] = defaultdict(list)
        examples = {}
        for j, t in enumerate(self.targets):
            for req in t.requirements:
                needs[req.key].append(j)
                examples[req.key] = req
        if not needs:
            return result
        starts = np.array([(t.start or self.today).toordinal() for t in self.targets])
        counts = np.array([len(t.requirements) for t in self.targets], dtype=np.float32)
        columns_with = np.flatnonzero(counts > 0)
        position = {j: k for k, j in enumerate(columns_with)}
        met = np.zeros((len(self.orgs), len(columns_with)), dtype=np.float32)
        for key, columns in needs.items():
            req = examples[key]
            valid_until = np.full(len(self.orgs), _MISSING)
            for i, org in enumerate(self.orgs):
                for cred in org.credentials:
                    if req.met_by(cred):
                        until = cred.expires.toordinal() if cred.expires else _FAR_FUTURE
                        valid_until[i] = max(valid_until[i], until)
            sub = np.array([position[j] for j in columns])
            met[:, sub] += valid_until[:, None] >= starts[None, columns]
        result[:, columns_with] = met / counts[columns_with]
        return result

    def _suitability(self) -> np.ndarray:
        vcse = np.array([scoring.is_vcse(o) for o in self.orgs])
        fit_vcse, fit_other, timing, reserved = [], [], [], []
        now = as_utc(self.today)
        for t in self.targets:
            lot, tender = t.lot, t.tender
            suitable = lot.vcse if lot and lot.vcse is not None else tender.vcse
            sme = lot.sme if lot and lot.sme is not None else tender.sme
            fit_vcse.append(_fit(suitable, sme))
            fit_other.append(_fit(None, sme))
            timing.append(scoring.timing_score(tender, now))
            reserved.append(tender.reserved_vcse)
        reserved = np.array(reserved)
        if reserved.any():
            self.blocked |= ~vcse[:, None] & reserved[None, :]
        other = (0.5 * np.array(fit_other) + 0.5 * np.array(timing)).astype(np.float32)
        for_vcse = (0.5 * np.array(fit_vcse) + 0.5 * np.array(timing)).astype(np.float32)
        score = np.empty((len(self.orgs), len(self.targets)), dtype=np.float32)
        score[vcse] = for_vcse
        score[~vcse] = other
        return score

    # -------------------------------------------------------------------- rankings
    def can_deliver(self) -> np.ndarray:
        return (
            ~self.blocked
            & (self.factors["service"] >= np.float32(scoring.CAN_DELIVER_SERVICE - scoring.EPS))
            & (self.factors["place"] >= np.float32(scoring.CAN_DELIVER_PLACE - scoring.EPS))
        )

    def top_partners(self, column: int, limit: int | None = None) -> list[int]:
        """Partner rows for one target, best first, in scoring.rank_key's order (then name, id)."""
        tiebreak = self._tiebreak("orgs")
        order = self._order(np.s_[:, column], tiebreak)
        order = [int(i) for i in order]
        return order[:limit] if limit else order

    def top_targets(
        self, row: int, columns: Sequence[int] | None = None, limit: int | None = None
    ) -> list[int]:
        """Target columns for one partner, best first (scoring.rank_key, then ocid and lot)."""
        columns = np.arange(len(self.targets)) if columns is None else np.asarray(columns, int)
        if not len(columns):
            return []
        tiebreak = self._tiebreak("targets")
        picked = self._order((row, columns), tiebreak[columns])
        order = [int(columns[k]) for k in picked]
        return order[:limit] if limit else order

    def _tiebreak(self, kind: str) -> np.ndarray:
        """Each partner's place in name order, or each target's in (ocid, lot) order: the last
        tie-break of a ranking, worked out once per engine."""
        cache = self.__dict__.setdefault("_tiebreaks", {})
        if kind not in cache:
            if kind == "orgs":
                keys = [(o.name.lower(), o.id or 0) for o in self.orgs]
            else:
                keys = [(t.tender.ocid, t.lot_id or "") for t in self.targets]
            order = sorted(range(len(keys)), key=keys.__getitem__)
            rank = np.empty(len(keys), dtype=np.int64)
            rank[order] = np.arange(len(keys))
            cache[kind] = rank
        return cache[kind]

    def _order(self, where, tiebreak: np.ndarray) -> np.ndarray:
        """Positions of the cells at ``where`` sorted by scoring.rank_key, then ``tiebreak``
        (numpy's lexsort: the last key is the first compared)."""
        f = self.factors
        service = f["service"][where].astype(np.float64)
        place = f["place"][where].astype(np.float64)
        capacity = f["capacity"][where].astype(np.float64)
        total = self.scores[where].astype(np.float64)
        eps = scoring.EPS
        tier = np.where(
            service < scoring.SERVICE_FIT - eps,
            scoring.NO_SERVICE_FIT,
            np.where(
                place >= scoring.CAN_DELIVER_PLACE - eps, scoring.IN_AREA, scoring.OUTSIDE_AREA
            ),
        )
        return np.lexsort(
            (
                tiebreak,
                -np.round(total, 6),
                -np.round(capacity, 6),
                -np.round(service, 6),
                -np.round(place, 6),
                -np.round(total),
                tier,
                self.blocked[where],
            )
        )

    def rank_key(self, row: int, column: int) -> tuple:
        """scoring.rank_key for one cell: the same order as every other ranking."""
        f = self.factors
        return scoring.rank_key(
            bool(self.blocked[row, column]),
            f["service"][row, column],
            f["place"][row, column],
            f["capacity"][row, column],
            self.scores[row, column],
        )

    def tiers(self) -> np.ndarray:
        """scoring.tier_of for every cell (0 in area, 1 outside the area, 2 no service fit)."""
        service, place = self.factors["service"], self.factors["place"]
        out = np.full(service.shape, scoring.IN_AREA, dtype=np.int8)
        eps = scoring.EPS
        out[place < np.float32(scoring.CAN_DELIVER_PLACE - eps)] = scoring.OUTSIDE_AREA
        out[service < np.float32(scoring.SERVICE_FIT - eps)] = scoring.NO_SERVICE_FIT
        return out

    def best_targets_for_all(self, k: int = 10) -> np.ndarray:
        """For every target, the indices of its k best partners (unordered within the k)."""
        k = min(k, len(self.orgs))
        scores = self.scores
        if self.blocked.any():
            scores = np.where(self.blocked, np.float32(-1), scores)
        # Partition each column in place of sorting it: the k largest end up in the last k rows.
        return np.argpartition(scores, len(self.orgs) - k, axis=0)[len(self.orgs) - k :]


def _fit(suitable, sme) -> float:
    if suitable or sme:
        return 1.0
    if suitable is None and sme is None:
        return 0.5
    return 0.2
