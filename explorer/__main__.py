"""The analysts' CLI: the same functions the pages use.

    python -m explorer places [--kind KIND]
    python -m explorer profile PLACE [--vintage 2019|2025] [--format json|csv|table]
    python -m explorer profile --kind KIND [--vintage 2019|2025] [--format json|csv|table]
    python -m explorer indicators PLACE [--format json|csv|table]
    python -m explorer provision PLACE [--year YYYY-YY] [--by decile|quintile]
                                       [--format json|csv|table]
    python -m explorer trend PLACE --indicator ID [--sex S] [--format json|csv|table]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from collections.abc import Sequence

from explorer.places import KINDS, UnknownPlaceError, registry
from loaders.schema import SnapshotError


def _clean(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _emit(records: list[dict], fmt: str, out) -> None:
    if fmt == "json":
        payload = records[0] if len(records) == 1 and getattr(_emit, "single", False) \
            else records
        json.dump(payload, out, indent=2, ensure_ascii=False, default=str)
        out.write("\n")
        return
    flat = [{k: (json.dumps(v) if isinstance(v, list | dict) else v) for k, v in r.items()}
            for r in records]
    if fmt == "csv":
        if not flat:
            return
        w = csv.DictWriter(out, fieldnames=list(flat[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(flat)
        return
    if not flat:
        out.write("(nothing)\n")
        return
    cols = list(flat[0])
    widths = {c: min(60, max(len(c), *(len(_fmt(r.get(c))) for r in flat))) for c in cols}
    out.write("  ".join(c.ljust(widths[c]) for c in cols).rstrip() + "\n")
    for r in flat:
        out.write("  ".join(_fmt(r.get(c))[:60].ljust(widths[c]) for c in cols).rstrip() + "\n")


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1 else f"{v:,.2f}"
    return str(v)


def cmd_places(args: argparse.Namespace, out) -> int:
    places = registry().all(args.kind)
    records = [{"id": p.id, "name": p.name, "kind": p.kind, "code": p.code,
                "lsoa11_count": len(p.lsoa11), "lsoa21_count": len(p.lsoa21),
                "note": p.note} for p in places]
    _emit(records, args.format, out)
    return 0


#: Keys of a profile record, in print order (README "The analysts' CLI" documents them).
PROFILE_KEYS = ("id", "name", "kind", "code", "vintage", "definition", "population",
                "lsoa_count", "imd_score", "imd_score_source", "imd_score_method",
                "imd_rank", "imd_rank_of", "imd_rank_among", "rank_note",
                "official_area_code", "core20_population", "core20_share",
                "decile_population", "decile_lsoa_count", "district_rank",
                "district_rank_of", "domain_scores", "domain_scores_source",
                "official_summary", "population_source", "core20_definition", "source",
                "summary_source")


def profile_record(place, vintage: int) -> dict:
    """One place's profile as printed by `profile` (a Place or a name)."""
    from explorer.profile import profile

    d = profile(place, vintage).to_dict()
    d["domain_scores"] = {k: _clean(v) for k, v in d["domain_scores"].items()}
    if d["official_summary"] is not None:
        d["official_summary"] = {k: _clean(v) for k, v in d["official_summary"].items()}
    return {k: _clean(d[k]) for k in PROFILE_KEYS}


def cmd_profile_kind(args: argparse.Namespace, out) -> int:
    """`profile --kind KIND`: every built-in place of a kind in one call, as a JSON list (or
    CSV rows) of the same records `profile PLACE` prints."""
    if args.place:
        print("error: give either PLACE or --kind, not both", file=sys.stderr)
        return 2
    records = [profile_record(p, args.vintage) for p in registry().all(args.kind)]
    if args.format == "json":
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        _emit(records, args.format, out)
    return 0


def cmd_profile(args: argparse.Namespace, out) -> int:
    if getattr(args, "kind", None):
        if args.place or getattr(args, "members", None):
            print("error: give a PLACE, --members or --kind, not two of them", file=sys.stderr)
            return 2
        return cmd_profile_kind(args, out)
    if not args.place and not getattr(args, "members", None):
        print("error: give a PLACE, --members CODE[,CODE...] or --kind KIND", file=sys.stderr)
        return 2
    rec = profile_record(_place_arg(args), args.vintage)
    if args.format == "json":
        json.dump(rec, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif args.format == "table":
        for k, v in rec.items():
            out.write(f"{k:<20} {json.dumps(v) if isinstance(v, list | dict) else v}\n")
    else:
        _emit([rec], "csv", out)
    return 0


#: Fields of a PlaceValue printed by ``indicators`` (the same record the pages use).
INDICATOR_FIELDS = (
    "indicator_id", "name", "period", "sex", "unit", "value", "lower_ci", "upper_ci",
    "confidence", "count", "denominator", "age_group", "england_value",
    "compared_to_england", "comparison_confidence", "comparison_basis", "geography_used",
    "geography_code", "fit", "lender", "computed", "method", "small_number",
    "geography_note", "value_range",
)


def indicator_records(place, confidence: float | None = None, prefer: str = "own",
                      ) -> list[dict]:
    """One record per indicator available for the place (latest period; for former
    districts, by default the latest with the place's own figure)."""
    from explorer import indicators

    records = []
    for pv in indicators.indicators_for_place(place, confidence=confidence, prefer=prefer):
        d = pv.to_dict()
        rec = {k: (_clean(d[k]) if isinstance(d[k], float) else d[k]) for k in INDICATOR_FIELDS}
        rec["value_range"] = list(pv.value_range) if pv.value_range else None
        rec["source"] = indicators.meta(pv.indicator_id).caption
        rec["recent_trend"] = _recent_trend(place, pv)
        records.append(rec)
    return records


def _recent_trend(place, pv) -> str | None:
    """Fingertips' recent-trend marker of the place's latest five periods (issue 10)."""
    from explorer.trends import recent_trend

    if pv.value is None:
        return None
    return recent_trend(place, pv.indicator_id, pv.sex).marker


def cmd_indicators(args: argparse.Namespace, out) -> int:
    place = _place_arg(args)
    place = registry().resolve(place) if isinstance(place, str) else place
    _emit(indicator_records(place, args.confidence, args.period), args.format, out)
    return 0


# --------------------------------------------------------------------------------------
# Custom places: --members CODE[,CODE...] --name NAME (explorer/custom_places.py)


def _place_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("place", nargs="?", help="a built-in place (id, code, name or alias)")
    p.add_argument("--members", action="append", metavar="CODE[,CODE...]",
                   help="a custom place instead: ward 2019, LSOA 2011/2021, MSOA 2011 or "
                        "district codes (or names), comma-separated; may be repeated")
    p.add_argument("--name", help="the custom place's name (with --members)")


def _place_arg(args: argparse.Namespace):
    """The place name, or the custom place built from --members/--name."""
    from explorer import custom_places

    if not getattr(args, "members", None):
        if not args.place:
            raise UnknownPlaceError("", [])
        return args.place
    if args.place:
        raise custom_places.CustomPlaceError("give either a place or --members, not both")
    tokens = [t for m in args.members for t in custom_places.split_codes(m)]
    cp = custom_places.build(args.name or "Custom place", tokens)
    if cp.unknown:
        print(f"warning: left out unknown members: {', '.join(cp.unknown)}", file=sys.stderr)
    for sentence in cp.fit:
        print(f"note: {sentence}", file=sys.stderr)
    return cp.place


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m explorer", description=__doc__.split(
        "\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("places", help="list the built-in places")
    p.add_argument("--kind", choices=KINDS)
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.set_defaults(func=cmd_places)
    p = sub.add_parser("profile", help="deprivation profile of a place, or of every place "
                       "of a kind (--kind)")
    _place_args(p)
    p.add_argument("--kind", choices=KINDS, help="every place of this kind, as a list")
    p.add_argument("--vintage", type=int, choices=(2019, 2025), default=2019)
    p.add_argument("--format", choices=("json", "csv", "table"), default="json")
    p.set_defaults(func=cmd_profile)
    p = sub.add_parser("indicators", help="every indicator available for a place")
    _place_args(p)
    p.add_argument("--confidence", type=float, choices=(95, 99.8), default=None,
                   help="level of computed intervals and their comparison (default: each "
                        "indicator's Fingertips level)")
    p.add_argument("--period", choices=("own", "latest"), default="own",
                   help="former districts: latest period with the place's own figure "
                        "(default) or the latest period")
    p.add_argument("--format", choices=("json", "csv", "table"), default="json")
    p.set_defaults(func=cmd_indicators)
    _add_provision(sub)
    _add_trend(sub)
    return parser


def cmd_provision(args: argparse.Namespace, out) -> int:
    """The inverse-care-law gradient table (explorer.provision), as the page shows it."""
    from explorer import provision

    place = registry().resolve(args.place)
    try:
        g = provision.gradient(place, args.year, args.by)
    except provision.ProvisionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    doc = g.to_json()
    if args.format == "json":
        json.dump(doc, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    records = [*doc["groups"], doc["total"]]
    if args.format == "table":
        out.write(f"{doc['finding']}\n{doc['source']}\n\n")
        keep = ("group", "practices", "registered_patients", "payments_per_registered_patient",
                "payments_per_weighted_patient", "care_payments_per_weighted_patient",
                "imd_score", "le_male", "qof_hyp")
        records = [{k: r.get(k) for k in keep} for r in records]
    _emit(records, args.format, out)
    return 0


def _add_provision(sub) -> None:
    p = sub.add_parser("provision", help="need vs resource: GP payments by practice "
                       "deprivation group (inverse care law)")
    p.add_argument("place")
    p.add_argument("--year", default="2022-23", help="financial year, 2014-15 to 2022-23")
    p.add_argument("--by", choices=("quintile", "decile"), default="quintile")
    p.add_argument("--format", choices=("json", "csv", "table"), default="json")
    p.set_defaults(func=cmd_provision)


def _add_trend(sub) -> None:
    p = sub.add_parser("trend", help="every period of an indicator for a place, with "
                                     "Fingertips' recent-trend marker")
    p.add_argument("place")
    p.add_argument("--indicator", required=True)
    p.add_argument("--sex", choices=("Persons", "Male", "Female"))
    p.add_argument("--format", choices=("json", "csv", "table"), default="json")
    p.set_defaults(func=cmd_trend)


def cmd_trend(args: argparse.Namespace, out) -> int:
    """Periods as rows (csv/table) or one JSON object with the periods and the marker."""
    from explorer import indicators
    from explorer.trends import default_sex, trend_records

    place = registry().resolve(args.place)
    try:
        m = indicators.meta(args.indicator)
    except KeyError:
        print(f"error: unknown indicator '{args.indicator}'", file=sys.stderr)
        return 2
    sex = args.sex or default_sex(m.id)
    if sex not in indicators.sexes(m.id):
        print(f"error: {m.id} is published for {', '.join(indicators.sexes(m.id))}, "
              f"not {sex}", file=sys.stderr)
        return 2
    records, trend = trend_records(place, m.id, sex)
    head = {"place": place.name, "place_id": place.id, "indicator_id": m.id,
            "indicator": m.name, "sex": sex, "unit": m.unit,
            "recent_trend": trend.marker, "recent_trend_reason": trend.reason,
            "trend_method": trend.method, "source": m.caption}
    if args.format == "json":
        json.dump({**head, "periods": records}, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    rows = [{**r, "recent_trend": trend.marker, "trend_method": trend.method}
            for r in records]
    if args.format == "table":
        out.write(f"{place.name}: {m.name} ({sex}, {m.unit})\n")
        out.write(f"recent trend: {trend.marker} - {trend.reason}\n")
        rows = records
    _emit(rows, args.format, out)
    return 0


def main(argv: Sequence[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, out)
    except UnknownPlaceError as exc:
        print(f"error: {exc}" if exc.name else "error: give a place or --members",
              file=sys.stderr)
        return 2
    except ValueError as exc:  # a custom place that cannot be built (--members)
        from explorer.custom_places import CustomPlaceError

        if not isinstance(exc, CustomPlaceError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SnapshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except BrokenPipeError:  # e.g. piped into `head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["main", "profile_record", "io"]
