"""The analysts' CLI: the same functions the pages use.

    python -m explorer places [--kind KIND]
    python -m explorer profile PLACE [--vintage 2019|2025] [--format json|csv|table]
    python -m explorer indicators PLACE [--format json|csv|table]
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


def profile_record(place_name: str, vintage: int) -> dict:
    from explorer.profile import profile

    pr = profile(place_name, vintage)
    d = pr.to_dict()
    d["domain_scores"] = {k: _clean(v) for k, v in d["domain_scores"].items()}
    keys = ["id", "name", "kind", "vintage", "definition", "population", "lsoa_count",
            "imd_score", "core20_population", "core20_share", "decile_population",
            "decile_lsoa_count", "district_rank", "district_rank_of", "domain_scores",
            "population_source", "core20_definition", "source"]
    return {k: _clean(d[k]) for k in keys}


def cmd_profile(args: argparse.Namespace, out) -> int:
    rec = profile_record(args.place, args.vintage)
    if args.format == "json":
        json.dump(rec, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif args.format == "table":
        for k, v in rec.items():
            out.write(f"{k:<20} {json.dumps(v) if isinstance(v, list | dict) else v}\n")
    else:
        _emit([rec], "csv", out)
    return 0


def indicator_records(place) -> list[dict]:
    """One record per indicator available for the place (latest period)."""
    from explorer import indicators

    records = []
    for pv in indicators.indicators_for_place(place):
        m = indicators.meta(pv.indicator_id)
        records.append({
            "indicator_id": pv.indicator_id, "name": pv.name, "period": pv.period,
            "sex": pv.sex, "unit": pv.unit, "value": _clean(pv.value),
            "lower_ci": _clean(pv.lower_ci), "upper_ci": _clean(pv.upper_ci),
            "count": _clean(pv.count), "denominator": _clean(pv.denominator),
            "england_value": _clean(pv.england_value),
            "compared_to_england": pv.compared_to_england,
            "geography_used": pv.geography_used, "geography_note": pv.geography_note,
            "value_range": list(pv.value_range) if pv.value_range else None,
            "source": m.caption,
            "recent_trend": _recent_trend(place, pv),
        })
    return records


def _recent_trend(place, pv) -> str | None:
    """Fingertips' recent-trend marker of the place's latest five periods (issue 10)."""
    from explorer.trends import recent_trend

    if pv.value is None:
        return None
    return recent_trend(place, pv.indicator_id, pv.sex).marker


def cmd_indicators(args: argparse.Namespace, out) -> int:
    place = registry().resolve(args.place)
    _emit(indicator_records(place), args.format, out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m explorer", description=__doc__.split(
        "\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("places", help="list the built-in places")
    p.add_argument("--kind", choices=KINDS)
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.set_defaults(func=cmd_places)
    p = sub.add_parser("profile", help="deprivation profile of a place")
    p.add_argument("place")
    p.add_argument("--vintage", type=int, choices=(2019, 2025), default=2019)
    p.add_argument("--format", choices=("json", "csv", "table"), default="json")
    p.set_defaults(func=cmd_profile)
    p = sub.add_parser("indicators", help="every indicator available for a place")
    p.add_argument("place")
    p.add_argument("--format", choices=("json", "csv", "table"), default="json")
    p.set_defaults(func=cmd_indicators)
    _add_trend(sub)
    return parser


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
