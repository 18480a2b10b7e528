"""The inverse care law: need against resource, practice by practice (pure, no Streamlit).

Why: panels ask whether primary-care money follows need. Official practice-level data
answer it: NHS Payments to General Practice (resource) against the practice's deprivation,
QOF prevalence and life expectancy (need). Definitions, stated once here and quoted by the
page, the CLI and the CSV exports:

* **Practices in a place**: England = every practice in the year's payments file. Any other
  place = practices with at least half of their registered list (NHS Digital, July 2022,
  practice x LSOA 2011) living in the place's LSOAs; the share is reported per practice.
* **Deprivation group**: the practice's IMD score (Fingertips 93553: IMD 2015 for 2014/15 to
  2018/19, IMD 2019 from 2019/20), ranked nationally each year; groups hold equal fifths
  (or tenths) of England's registered patients, 1 = most deprived. A practice's group is the
  one its list's midpoint in the cumulative ranking falls in.
* **Payments**: "Total NHS Payments to General Practice" (excludes the separate COVID and
  PCN payment columns from 2020/21). **Payments for care** = that total less dispensing
  (prescribing fees, dispensing fees, reimbursement of drugs), premises payments, and other
  non-care items (information management and technology, seniority).
* **Per patient** = sum of payments / sum of registered (or Carr-Hill weighted) patients
  over the group's practices. Practices with no registered or weighted patients, or without
  an IMD score, are left out (counted in ``excluded``).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from explorer.codes import member
from explorer.places import Place
from loaders import snapshot

YEARS: tuple[str, ...] = ("2014/15", "2015/16", "2016/17", "2017/18", "2018/19", "2019/20",
                          "2020/21", "2021/22", "2022/23")
LATEST = YEARS[-1]
GROUPINGS = {"quintile": 5, "decile": 10}
FRACTION = {"quintile": "fifth", "decile": "tenth"}
MIN_SHARE = 0.5
QOF_REGISTERS = {"hyp": "Hypertension", "dm": "Diabetes", "copd": "COPD", "ast": "Asthma",
                 "chd": "Coronary heart disease", "dep": "Depression",
                 "mh": "Serious mental illness", "ob": "Obesity"}
NEED_MEASURES: dict[str, str] = {
    "imd_score": "Practice IMD score",
    "le_male": "Life expectancy, males (years, 2016-20)",
    "le_female": "Life expectancy, females (years, 2016-20)",
    **{f"qof_{k}": f"{v} QOF prevalence (%, 2021/22)" for k, v in QOF_REGISTERS.items()},
}
EXCLUDED_ITEMS: dict[str, tuple[str, ...]] = {
    "dispensing": ("Prescribing Fee Payments", "Dispensing Fee Payments",
                   "Reimbursement of Drugs"),
    "premises": ("Premises Payments",),
    "other non-care": ("Information Management and Technology", "Seniority"),
}
DEFINITION = (
    "Practices grouped by the national {grouping} of their practice IMD score (Fingertips "
    "93553; IMD 2015 to 2018/19, IMD 2019 from 2019/20), each group holding an equal share "
    "of England's registered patients, 1 = most deprived. Payments = Total NHS Payments to "
    "General Practice (excluding the separate COVID and PCN columns from 2020/21); payments "
    "for care = that total less dispensing (prescribing fees, dispensing fees, reimbursement "
    "of drugs), premises payments and other non-care items (IM&T, seniority). Per patient = "
    "group payments / group registered (or Carr-Hill weighted) patients. Places other than "
    "England: practices with at least half of their July 2022 registered list living in the "
    "place.")
SOURCE = ("NHS Digital, NHS Payments to General Practice {year}; OHID Fingertips 93553 "
          "(practice IMD) and 650 (life expectancy 2016-20); NHS Digital QOF 2021/22; "
          "Patients registered at a GP practice, July 2022. Open Government Licence v3.0.")
HONESTY = (
    "The Carr-Hill weighting is a workload weighting (age, sex, new registrations, "
    "nursing homes, rurality and a morbidity term), not a deprivation weighting: payments "
    "per weighted patient show what practices get for their estimated workload, not for "
    "their patients' deprivation.",
    "Practices merge, close and open: each year's figures cover the practices in that "
    "year's file, and places other than England use July 2022 registrations, so a "
    "practice that closed before then is not counted in the place in earlier years.",
    "Payments for care exclude: " + "; ".join(
        f"{k} ({', '.join(v)})" for k, v in EXCLUDED_ITEMS.items()) + ". COVID and PCN "
    "payments (separate from 2020/21) are in neither total.",
    "PCN additional-roles FTE per 10,000 patients is not shown: the only PCN workforce file "
    "available averages the FTE of individual staff records, so it holds a mean FTE per "
    "person, not a PCN's total FTE.",
    "Practice names are shown as published for organisations; a name that is a doctor's "
    "name is replaced by the practice code, so no individual GP is identified.",
)
QUADRANTS = ("High need, low resource", "High need, high resource",
             "Low need, low resource", "Low need, high resource")


class ProvisionError(ValueError):
    """A request the data cannot answer (unknown year, no practice in the place)."""


def year_label(text: str) -> str:
    """'2022-23', '2022/23' or '2023' -> '2022/23'; ProvisionError when not covered."""
    t = str(text).strip().replace("-", "/")
    if re.fullmatch(r"\d{4}", t):
        t = f"{int(t) - 1}/{t[2:]}"
    if t not in YEARS:
        raise ProvisionError(f"No payments data for '{text}'; years: {YEARS[0]} to {LATEST}.")
    return t


def imd_edition(year: str) -> str:
    return "imd2015" if year < "2019/20" else "imd2019"


#: Names that are, or may be, a doctor's name: "Dr ...", "KHAN AK" (surname + initials),
#: "SMITH & PARTNERS". Over-masking an organisation's name is the safe error.
_DOCTOR = re.compile(r"\bDRS?\b\.?|\bDOCTORS?\b|^[A-Z'\-]+ [A-Z]{1,3}$|"
                     r"^[A-Z'\-]+ (?:&|AND) (?:PARTNERS|PTNRS?)\b", re.IGNORECASE)


def display_name(name: object, code: str) -> str:
    """The practice's name unless it names a doctor; then 'Practice <code>'."""
    text = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name)
    if not text or text == "<NA>" or _DOCTOR.search(text):
        return f"Practice {code}"
    return text.title()


def assign_groups(score: pd.Series, weight: pd.Series, n: int) -> pd.Series:
    """Patient-weighted national groups, 1 = most deprived (highest score).

    Ties are broken by the index (practice code) so the result is deterministic.
    """
    order = pd.DataFrame({"s": score, "w": weight}).rename_axis("k").reset_index()
    order = order.sort_values(["s", "k"], ascending=[False, True])
    cum = order["w"].cumsum()
    mid = (cum - order["w"] / 2) / order["w"].sum()
    grp = (mid * n).astype(int).clip(upper=n - 1) + 1
    return pd.Series(grp.to_numpy(), index=order["k"].to_numpy()).reindex(score.index)


@functools.cache
def national(year: str) -> pd.DataFrame:
    """Every practice in the year's payments file with its need measures and groups."""
    pay = snapshot.table("gp_payments")
    pay = pay[pay["year"].astype(str) == year].set_index("practice_code")
    prac = snapshot.table("gp_practices").set_index("practice_code")
    df = pay.drop(columns=["year"]).join(prac, how="left")
    df["imd_score"] = df[imd_edition(year)]
    df["care"] = df["total"] - df["dispensing"] - df["premises"] - df["other_non_care"]
    df["eligible"] = (df["registered"] > 0) & (df["weighted"] > 0) & df["imd_score"].notna()
    ok = df[df["eligible"]]
    for grouping, n in GROUPINGS.items():
        df[grouping] = assign_groups(ok["imd_score"], ok["registered"], n).astype("Int64")
    df["per_weighted"] = (df["total"] / df["weighted"]).where(df["weighted"] > 0)
    df["care_per_weighted"] = (df["care"] / df["weighted"]).where(df["weighted"] > 0)
    df["per_registered"] = (df["total"] / df["registered"]).where(df["registered"] > 0)
    df["display_name"] = [display_name(n, c) for c, n in zip(df.index, df["name"],
                                                                strict=True)]
    return df


@functools.cache
def _lists() -> tuple[pd.DataFrame, pd.Series]:
    """(English practice x LSOA rows, whole-list total per practice), categoricals kept."""
    t = snapshot.read("gp_practice_lsoa11")  # kept here only (split), not also as the table
    is_all = (t["lsoa11cd"] == "ALL").to_numpy()
    whole = t[is_all]
    totals = pd.Series(whole["patients"].to_numpy(),
                       index=whole["practice_code"].astype(str).to_numpy())
    return t[~is_all], totals


@functools.lru_cache(maxsize=64)
def _shares(lsoa11: tuple[str, ...]) -> pd.DataFrame:
    rows, totals = _lists()
    inside = rows[member(rows["lsoa11cd"], lsoa11)]
    living = inside.groupby("practice_code", observed=True)["patients"].sum()
    living.index = living.index.astype(str)
    out = pd.DataFrame({"patients_in_place": living,
                        "list_july_2022": totals.reindex(living.index)})
    out["share"] = out["patients_in_place"] / out["list_july_2022"]
    return out


def attribution(place: Place) -> pd.DataFrame:
    """Practices with any patient in the place: patients living there, list, share."""
    return _shares(tuple(place.lsoa11))


def is_england(place: Place) -> bool:
    return place.is_england


def practices(place: Place, year: str, columns: list[str] | None = None) -> pd.DataFrame:
    """The place's practices for a year (national frame rows) with their share in the place;
    ``columns``: only these of the national frame's (a join copies every column it keeps)."""
    nat = national(year)
    if is_england(place):
        # no copy: pandas 3 copies on write, so a caller's change never reaches ``nat``
        return (nat if columns is None else nat[columns]).assign(share=float("nan"))
    sh = attribution(place)
    members = sh[sh["share"] >= MIN_SHARE]
    # the rows first, then the columns, by position: a join (or a column selection of all
    # 6,700 practices first) copied the national frame on every call, nine times a trend
    pos = nat.index.get_indexer(members.index)
    rows = np.sort(pos[pos >= 0])  # the national frame's order, as an inner join keeps it
    out = nat.iloc[rows] if columns is None else nat.iloc[rows, nat.columns.get_indexer(columns)]
    kept = members.reindex(out.index)
    out["share"] = kept["share"].to_numpy()
    out["patients_in_place"] = kept["patients_in_place"].to_numpy()
    return out


def _floats(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype="float64", na_value=np.nan)


def _wmean(v: np.ndarray, w: np.ndarray) -> float | None:
    """Weighted mean over rows with a value and a positive weight (None if there are none).
    NumPy, not pandas: a room's new views call this a few hundred times each."""
    ok = ~np.isnan(v) & ~np.isnan(w) & (w > 0)
    if not ok.any():
        return None
    return float((v[ok] * w[ok]).sum() / w[ok].sum())


#: What :func:`summarise` reads.
_SUMMARY_COLUMNS = ["registered", "weighted", "total", "care", *NEED_MEASURES]


def summarise(df: pd.DataFrame) -> dict:
    """The JSON fields for a set of eligible practices."""
    return _summarise(_columns(df))


def _columns(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """What :func:`summarise` reads, as float arrays (a group is then a mask over them, not
    a filtered copy of every column of the frame: a new England gradient filtered its 6,400
    practices' ~40 columns ten times)."""
    return {c: _floats(df[c]) for c in _SUMMARY_COLUMNS}


def _nansum(v: np.ndarray) -> float:
    # what pandas' Series.sum does with float64: missing values count as 0, then NumPy's sum
    return float(np.where(np.isnan(v), 0.0, v).sum())


def _summarise(cols: dict[str, np.ndarray], rows: np.ndarray | None = None) -> dict:
    """:func:`summarise` over ``cols`` (from :func:`_columns`), for the rows a boolean mask
    keeps (all rows if None)."""
    a = cols if rows is None else {k: v[rows] for k, v in cols.items()}
    reg, wei = _nansum(a["registered"]), _nansum(a["weighted"])
    pay, care = _nansum(a["total"]), _nansum(a["care"])
    rec: dict = {
        "practices": int(len(a["registered"])),
        "registered_patients": round(reg, 2),
        "weighted_patients": round(wei, 2),
        "payments": round(pay, 2),
        "payments_per_registered_patient": pay / reg if reg else None,
        "payments_per_weighted_patient": pay / wei if wei else None,
        "care_payments": round(care, 2),
        "care_payments_per_registered_patient": care / reg if reg else None,
        "care_payments_per_weighted_patient": care / wei if wei else None,
    }
    for key in NEED_MEASURES:
        rec[key] = _wmean(a[key], a["registered"])
    return rec


@dataclass
class Gradient:
    place: Place
    year: str
    grouping: str
    groups: pd.DataFrame
    total: dict
    excluded: dict
    title: str
    #: England's practices in the same year and groups: ``total`` (the chart's dashed line)
    #: and ``groups`` (its outlines; for England itself, the place's own).
    england: dict = field(default_factory=dict)
    england_groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: For a place without practices in one of the extreme groups, the England group its
    #: practices are set against (the finding's comparison, drawn on the chart), else None.
    reference_group: int | None = None

    @property
    def reference(self) -> dict | None:
        """England's practices in :attr:`reference_group` (a row of :attr:`england_groups`)."""
        if self.reference_group is None:
            return None
        rows = self.england_groups[self.england_groups["group"] == self.reference_group]
        return None if rows.empty else rows.iloc[0].to_dict()

    def to_json(self) -> dict:
        return {
            "place": {"id": self.place.id, "name": self.place.name},
            "year": self.year,
            "by": self.grouping,
            "groups": [_clean(r) for r in self.groups.to_dict("records")],
            "total": _clean({"group": "all", **self.total}),
            "england": {"groups": [_clean(r) for r in self.england_groups.to_dict("records")],
                        "total": _clean({"group": "all", **self.england})},
            "reference_group": self.reference_group,
            "excluded": self.excluded,
            "finding": self.title,
            "finding_care": care_sentence(self),
            "definition": DEFINITION.format(grouping=self.grouping),
            "source": SOURCE.format(year=self.year),
        }


def _clean(rec: dict) -> dict:
    out = {}
    for k, v in rec.items():
        if isinstance(v, float) and math.isnan(v):
            v = None
        elif hasattr(v, "item"):
            v = v.item()
        out[k] = v
    return out


#: A room asks for places x 9 years x 2 groupings: a few hundred small results, so the
#: per-view caches hold that many (32 were rebuilt on most runs; each costs ~0.2 s of CPU).
@functools.lru_cache(maxsize=512)  # shared by sessions: read-only to callers
def gradient(place: Place, year: str = LATEST, grouping: str = "quintile") -> Gradient:
    """Need and resource by national deprivation group for the place's practices."""
    if grouping not in GROUPINGS:
        raise ProvisionError(f"grouping must be one of {', '.join(GROUPINGS)}")
    year = year_label(year)
    df = practices(place, year)
    if df.empty:
        raise ProvisionError(f"No GP practice has at least half of its registered list "
                             f"living in {place.name}; choose a larger place, such as its "
                             "district or ICB.")
    eligible = df["eligible"].to_numpy(dtype=bool)
    excluded = {"practices": int((~eligible).sum()),
                "payments": round(_nansum(_floats(df["total"])[~eligible]), 2),
                "reason": "no registered or weighted patients, or no practice IMD score"}
    cols = _columns(df)
    group = _floats(df[grouping])
    rows = []
    for g in range(1, GROUPINGS[grouping] + 1):
        part = eligible & (group == g)
        if not part.any():
            continue
        rows.append({"group": g, **_summarise(cols, part)})
    groups = pd.DataFrame(rows)
    total = _summarise(cols, eligible)
    if is_england(place):
        eng, eng_groups = total, groups
    else:  # England's own gradient: one computation for the line, the outlines, the finding
        e = gradient(_england(), year, grouping)
        eng, eng_groups = e.total, e.groups
    grad = Gradient(place, year, grouping, groups, total, excluded, "", eng, eng_groups,
                    _reference_group(groups, GROUPINGS[grouping]))
    grad.title = finding(grad)
    return grad


def _england() -> Place:
    from explorer.places import registry

    return registry().get("england")


def _reference_group(groups: pd.DataFrame, n: int) -> int | None:
    """The England group a place lacking an extreme group is set against: England's least
    deprived when the place has practices in the most deprived group, else England's most
    deprived (an affluent place). None when the place has both ends (or no group)."""
    if groups.empty:
        return None
    first, last = int(groups["group"].iloc[0]), int(groups["group"].iloc[-1])
    if first == 1 and last == n:
        return None
    return n if first == 1 else 1


def left_out_sentence(n: int) -> str:
    """What the page says about the place's practices without patients or an IMD score."""
    if not n:
        return ("No practice in the year's payments is left out for want of registered or "
                "weighted patients or a practice IMD score.")
    return (f"{n:,} practice{'s' if n != 1 else ''} without registered or weighted patients "
            "or a practice IMD score " + ("are" if n != 1 else "is") + " left out.")


def _money(x: float) -> str:
    return f"£{x:,.2f}"


def finding(g: Gradient) -> str:
    """A title stating the gradient (per weighted patient, most vs least deprived)."""
    frac = FRACTION[g.grouping]
    where = "England" if is_england(g.place) else g.place.name
    n = GROUPINGS[g.grouping]
    if g.groups.empty:
        return f"No practice in {where} could be grouped by deprivation in {g.year}."
    first, last = g.groups.iloc[0], g.groups.iloc[-1]
    ref = g.reference
    if ref is not None:
        # the place lacks an extreme group: all its practices against the practices serving
        # England's least (or, for an affluent place, most) deprived group, both figures shown
        a = g.total["payments_per_weighted_patient"]
        b = ref["payments_per_weighted_patient"]
        diff = a - b
        span = (_group_phrase(int(first["group"]), n, frac) if first["group"] == last["group"]
                else f"{frac}s {int(first['group'])} to {int(last['group'])} of {n}")
        k = int(g.total["practices"])
        return (f"The {k} practice{'s' if k != 1 else ''} in {where}, "
                f"{'all ' if k != 1 else ''}serving {span}, receive{'s' if k == 1 else ''} "
                f"{_money(abs(diff))} ({abs(diff) / b:.0%}) "
                f"{'more' if diff > 0 else 'less'} per need-weighted patient than practices "
                f"serving England's {_reference_phrase(g)} ({_money(a)} against "
                f"{_money(b)}, {g.year})")
    a = first["payments_per_weighted_patient"]
    b = last["payments_per_weighted_patient"]
    diff = a - b
    word = "more" if diff > 0 else "less"
    lo = _group_phrase(int(first["group"]), n, frac)
    hi = _group_phrase(int(last["group"]), n, frac)
    return (f"Practices in {where} serving {lo} receive {_money(abs(diff))} "
            f"({abs(diff) / b:.0%}) {word} per need-weighted patient than those serving "
            f"{hi} ({g.year})")


def care_sentence(g: Gradient) -> str:
    """The same comparison for payments for care (the non-care items taken out)."""
    if g.groups.empty:
        return ""
    first, last = g.groups.iloc[0], g.groups.iloc[-1]
    ref = g.reference
    if ref is not None:  # the finding's comparison, for care
        a = g.total["care_payments_per_weighted_patient"]
        b = ref["care_payments_per_weighted_patient"]
        diff = a - b
        return (f"Payments for care (less dispensing, premises and other non-care items): "
                f"{_money(a)} per weighted patient against {_money(b)} for practices serving "
                f"England's {_reference_phrase(g)}, {_money(abs(diff))} ({abs(diff) / b:.0%}) "
                f"{'more' if diff > 0 else 'less'}.")
    a = first["care_payments_per_weighted_patient"]
    b = last["care_payments_per_weighted_patient"]
    n, frac = GROUPINGS[g.grouping], FRACTION[g.grouping]
    diff = a - b
    return (f"Payments for care (less dispensing, premises and other non-care items): "
            f"{_money(a)} per weighted patient for {_group_phrase(int(first['group']), n, frac)}"
            f" against {_money(b)} for {_group_phrase(int(last['group']), n, frac)}, "
            f"{_money(abs(diff))} ({abs(diff) / b:.0%}) {'more' if diff > 0 else 'less'}.")


def _reference_phrase(g: Gradient) -> str:
    """"least deprived fifth of patients" (the England group of :attr:`Gradient.reference`)."""
    n = GROUPINGS[g.grouping]
    return _group_phrase(int(g.reference_group or 0), n, FRACTION[g.grouping]
                         ).removeprefix("the ")


def _group_phrase(group: int, n: int, frac: str) -> str:
    if group == 1:
        return f"the most deprived {frac} of patients"
    if group == n:
        return f"the least deprived {frac} of patients"
    return f"{frac} {group} of {n} by deprivation"


@functools.lru_cache(maxsize=128)  # shared by sessions: read-only to callers
def gap_trend(place: Place, grouping: str = "quintile") -> pd.DataFrame:
    """Most vs least deprived group, per weighted patient, for every year 2014/15-2022/23.

    Gap = most deprived minus least deprived (negative: the most deprived get less).
    Years where the place lacks either group have no gap.
    """
    n = GROUPINGS[grouping]
    rows = []
    for year in YEARS:
        df = practices(place, year, columns=_SUMMARY_COLUMNS + ["eligible", grouping])
        eligible = df["eligible"].to_numpy(dtype=bool)
        group = _floats(df[grouping])
        cols = _columns(df)
        rec: dict = {"year": year}
        for label, g in (("most", 1), ("least", n)):
            part = eligible & (group == g)
            count = int(part.sum())
            s = _summarise(cols, part) if count else None
            rec[f"{label}_practices"] = count
            rec[f"{label}_per_weighted"] = s["payments_per_weighted_patient"] if s else None
            rec[f"{label}_care_per_weighted"] = (s["care_payments_per_weighted_patient"]
                                                 if s else None)
        for m in ("per_weighted", "care_per_weighted"):
            a, b = rec[f"most_{m}"], rec[f"least_{m}"]
            rec[f"gap_{m}"] = (a - b) if a is not None and b is not None else None
            rec[f"gap_{m}_pct"] = ((a - b) / b * 100) if a is not None and b else None
        rows.append(rec)
    return pd.DataFrame(rows)


def trend_title(t: pd.DataFrame, place: Place, grouping: str = "quintile") -> str:
    where = "England" if is_england(place) else place.name
    known = t.dropna(subset=["gap_per_weighted"])
    frac = FRACTION[grouping]
    if len(known) < 2:
        when = (f"In none of the {len(t)} years does" if known.empty
                else f"Only in {known['year'].iloc[0]} does")
        return (f"{when} {where} have practices in both the most and the least deprived "
                f"{frac}: no trend in the gap can be drawn")
    a, b = known.iloc[0], known.iloc[-1]
    change = abs(b["gap_per_weighted"]) - abs(a["gap_per_weighted"])
    side = lambda v: "less" if v < 0 else "more"  # noqa: E731
    verdict = "widened" if change > 0 else "narrowed"
    if (a["gap_per_weighted"] < 0) != (b["gap_per_weighted"] < 0):
        verdict = "reversed"
    return (f"In {where}, practices serving the most deprived {frac} got "
            f"{_money(abs(a['gap_per_weighted']))} {side(a['gap_per_weighted'])} per "
            f"need-weighted patient than the least deprived {frac} in {a['year']} and "
            f"{_money(abs(b['gap_per_weighted']))} {side(b['gap_per_weighted'])} in "
            f"{b['year']}: the gap {verdict}")


@functools.cache
def england_medians(year: str) -> tuple[float, float]:
    """Practice medians of IMD score and payments per weighted patient (eligible practices)."""
    ok = national(year).query("eligible")
    return float(ok["imd_score"].median()), float(ok["per_weighted"].median())


@functools.cache
def _resource_range(year: str) -> tuple[float, float]:
    """England's 1st-99th percentiles of payments per weighted patient (eligible practices)."""
    nat = national(year).query("eligible")["per_weighted"]
    return float(nat.quantile(0.01)), float(nat.quantile(0.99))


@functools.lru_cache(maxsize=256)  # shared by sessions: read-only to callers
def quadrant(place: Place, year: str = LATEST) -> pd.DataFrame:
    """One row per eligible practice in the place: need (IMD), resource (£/weighted), quadrant."""
    year = year_label(year)
    df = practices(place, year)
    ok = df[df["eligible"]].copy()
    need_med, res_med = england_medians(year)
    high_need = ok["imd_score"] > need_med
    high_res = ok["per_weighted"] > res_med
    ok["quadrant"] = [
        QUADRANTS[(0 if hn else 2) + (1 if hr else 0)]
        for hn, hr in zip(high_need, high_res, strict=True)]
    out = ok.reset_index().rename(columns={"index": "practice_code"})
    cols = ["practice_code", "display_name", "pcn_name", "quadrant", "imd_score",
            "per_weighted", "care_per_weighted", "per_registered", "registered", "weighted",
            "total", "share", "le_male", "le_female", "qof_hyp", "cqc_rating"]
    out = out[cols].sort_values(["quadrant", "imd_score"], ascending=[True, False],
                                ignore_index=True)
    out.attrs["need_median"] = need_med
    out.attrs["resource_median"] = res_med
    # the range a chart draws: England's 1st-99th percentiles (a few practices with a tiny
    # last-known list have thousands of £ per weighted patient)
    out.attrs["resource_range"] = _resource_range(year)
    return out


def quadrant_title(q: pd.DataFrame, place: Place, year: str) -> str:
    """The finding of the quadrant: how many practices are high need, low resource."""
    where = "England" if is_england(place) else place.name
    k = int((q["quadrant"] == QUADRANTS[0]).sum())
    verb = "is" if k == 1 else "are"
    return (f"{k:,} of {len(q):,} practices in {where} {verb} high need, low resource: more "
            f"deprived than England's median practice and paid less per weighted patient "
            f"than its median ({year})")


def quadrant_counts(q: pd.DataFrame) -> dict[str, int]:
    return {k: int((q["quadrant"] == k).sum()) for k in QUADRANTS}


def coverage(place: Place) -> dict | None:
    """How much of the place's registered population the attributed practices cover."""
    if is_england(place):
        return None
    sh = attribution(place)
    living = float(sh["patients_in_place"].sum())
    members = sh[sh["share"] >= MIN_SHARE]
    return {"patients_living_in_place": int(living),
            "at_attributed_practices": int(members["patients_in_place"].sum()),
            "share": float(members["patients_in_place"].sum() / living) if living else None,
            "practices_with_patients": int(len(sh)),
            "attributed_practices": int(len(members))}


def coverage_sentence(g: Gradient) -> str:
    """Which practices the figures cover, in words that add up to the page's practice count:
    attributed by the July 2022 list, then those in the year's payments file (practices
    merge, close and open), then those left out for want of patients or an IMD score."""
    in_file = int(g.total["practices"]) + g.excluded["practices"]
    cov = coverage(g.place)
    if cov is None:
        left = g.excluded["practices"]
        return (f"Every practice in the {g.year} payments file ({in_file:,}). "
                + left_out_sentence(left)[:-1]
                + (f" ({_money(g.excluded['payments'])} of payments)." if left else "."))
    share = f"{cov['share']:.0%}" if cov["share"] is not None else "–"
    n = cov["attributed_practices"]
    return (f"{n:,} practice{'s' if n != 1 else ''} ha{'ve' if n != 1 else 's'} at least half "
            f"of {'their' if n != 1 else 'its'} July 2022 list living in {g.place.name}; they "
            f"hold {share} of the {cov['patients_living_in_place']:,} registered patients who "
            f"live there ({cov['practices_with_patients']:,} practices have some). "
            + (f"{in_file:,} of them are in the {g.year} payments file. " if in_file != n
               else "") + left_out_sentence(g.excluded["practices"]))


#: The page's tables, made once per view and shared by sessions (read-only to callers): a
#: page's table is then the same frame on every rerun, and its Arrow form with it
#: (``ui.tables.arrow``: 2-7 ms a table a run, 1.3 MB for all England's practices).
_TABLE_CACHE = 256

_TREND_COLUMNS = {
    "year": "Year", "most_practices": "Practices, most deprived",
    "least_practices": "Practices, least deprived",
    "most_per_weighted": "£/weighted, most deprived",
    "least_per_weighted": "£/weighted, least deprived",
    "most_care_per_weighted": "Care £/weighted, most deprived",
    "least_care_per_weighted": "Care £/weighted, least deprived",
    "gap_per_weighted": "Gap £", "gap_per_weighted_pct": "Gap %",
    "gap_care_per_weighted": "Care gap £", "gap_care_per_weighted_pct": "Care gap %"}

_QUADRANT_COLUMNS = {
    "practice_code": "Code", "display_name": "Practice", "pcn_name": "PCN",
    "quadrant": "Quadrant", "imd_score": "Practice IMD score",
    "per_weighted": "£ per weighted patient",
    "care_per_weighted": "Care £ per weighted patient",
    "per_registered": "£ per registered patient", "registered": "Registered patients",
    "weighted": "Weighted patients", "total": "Payments (£)",
    "share": "List living in place", "le_male": "Life expectancy M",
    "le_female": "Life expectancy F", "qof_hyp": "Hypertension %",
    "cqc_rating": "CQC rating (latest)"}


@functools.lru_cache(maxsize=_TABLE_CACHE)
def gradient_table(place: Place, year: str = LATEST, grouping: str = "quintile",
                   ) -> pd.DataFrame:
    """:func:`table_for_display` of the place's gradient (shared; read-only)."""
    return table_for_display(gradient(place, year, grouping))


@functools.lru_cache(maxsize=_TABLE_CACHE)
def need_table(place: Place, year: str = LATEST, grouping: str = "quintile") -> pd.DataFrame:
    """The gradient table's group, practices and need columns (shared; read-only)."""
    twin = gradient_table(place, year, grouping)
    twin = twin[twin["Practices"] > 0]  # the groups the place has practices in
    return twin[[twin.columns[0], "Practices", *NEED_MEASURES.values()]]


@functools.lru_cache(maxsize=_TABLE_CACHE)
def gap_trend_table(place: Place, grouping: str = "quintile") -> pd.DataFrame:
    """:func:`gap_trend` with readable column names (shared; read-only)."""
    return gap_trend(place, grouping).rename(columns=_TREND_COLUMNS)


@functools.lru_cache(maxsize=_TABLE_CACHE)
def quadrant_table(place: Place, year: str = LATEST) -> pd.DataFrame:
    """:func:`quadrant` with readable column names (shared; read-only). England's has no
    "List living in place": every practice is England's (the grid showed an empty column
    of Streamlit's "None")."""
    out = quadrant(place, year).rename(columns=_QUADRANT_COLUMNS)
    if is_england(place):
        out = out.drop(columns=["List living in place"])
    return out


#: England's figures beside a place's in its gradient table (the chart draws them too).
_ENGLAND_COLUMNS = {
    "payments_per_weighted_patient": "England £ per weighted patient",
    "care_payments_per_weighted_patient": "England care £ per weighted patient",
}


def table_for_display(g: Gradient) -> pd.DataFrame:
    """The gradient table with readable column names (for the page, CSV and CLI)."""
    label = g.grouping.title()
    df = g.groups.copy()
    total = {"group": "All", **g.total}
    if not is_england(g.place) and not g.england_groups.empty:
        # every group England has (the chart's outlines), the place's figures where it has
        # practices in it, and England's beside them
        eng = g.england_groups.set_index("group")
        df = df.set_index("group").reindex(eng.index).reset_index()
        counts = ["practices", "registered_patients", "weighted_patients", "payments",
                  "care_payments"]
        df[counts] = df[counts].fillna(0)  # no practice there: none, not unknown
        df["practices"] = df["practices"].astype(int)
        for key, column in _ENGLAND_COLUMNS.items():
            df[column] = eng[key].to_numpy()
            total[column] = g.england[key]
    df = pd.concat([df.assign(group=df["group"].astype(int).astype(str)),
                    pd.DataFrame([total])], ignore_index=True)
    return df.rename(columns={
        "group": f"{label} (1 = most deprived)", "practices": "Practices",
        "registered_patients": "Registered patients", "weighted_patients": "Weighted patients",
        "payments": "Payments (£)",
        "payments_per_registered_patient": "£ per registered patient",
        "payments_per_weighted_patient": "£ per weighted patient",
        "care_payments": "Payments for care (£)",
        "care_payments_per_registered_patient": "Care £ per registered patient",
        "care_payments_per_weighted_patient": "Care £ per weighted patient",
        **NEED_MEASURES})
