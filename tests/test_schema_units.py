"""Units as data: every numeric scenario field declares its unit, bounds and meaning."""

from __future__ import annotations

import math
import typing

import pytest
from pydantic import BaseModel

from transcaspian.model.base import unit_of_field
from transcaspian.model.distributions import Distribution
from transcaspian.model.schema import COMPONENTS, ScenarioDoc
from transcaspian.model.schema_doc import NESTED, bounds_text, schema_table

MODELS: dict[str, type[BaseModel]] = {**COMPONENTS, **NESTED, "scenario": ScenarioDoc}


def _is_numeric(annotation: typing.Any) -> bool:
    """Independent reading of an annotation: does it hold a number anywhere?"""
    if annotation in (int, float) or annotation is Distribution:
        return True
    if typing.get_origin(annotation) is typing.Literal:
        return all(isinstance(a, int) for a in typing.get_args(annotation))
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_numeric(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) is dict:
        return _is_numeric(typing.get_args(annotation)[1])
    return any(_is_numeric(a) for a in typing.get_args(annotation))


FIELDS = [(ctype, name, info) for ctype, model in MODELS.items()
          for name, info in model.model_fields.items() if name != "field_provenance"]
NUMERIC = [(c, n, i) for c, n, i in FIELDS if _is_numeric(i.annotation)]


def test_every_field_has_a_description():
    missing = [f"{c}.{n}" for c, n, i in FIELDS if not (i.description or "").strip()]
    assert missing == []


def test_every_numeric_field_declares_a_unit():
    assert len(NUMERIC) >= 70
    missing = [f"{c}.{n}" for c, n, i in NUMERIC if not unit_of_field(i)]
    assert missing == []


@pytest.mark.parametrize(("ctype", "name"), [(c, n) for c, n, i in NUMERIC
                                             if i.annotation is not Distribution
                                             and "Distribution" not in str(i.annotation)
                                             and "Literal" not in str(i.annotation)])
def test_every_plain_number_is_bounded_above_and_below(ctype, name):
    """A finite interval: no field accepts 1e12 or -inf."""
    text = bounds_text(MODELS[ctype].model_fields[name])
    assert text.startswith(("[", "(")) and "inf" not in text, text
    low, high = (float(x) for x in text.strip("[]()").split(", "))
    assert math.isfinite(low) and math.isfinite(high) and low < high


def test_schema_table_lists_unit_and_bounds():
    t = schema_table().set_index(["component", "field"])
    assert t.loc[("links", "distance_km"), "unit"] == "km"
    assert t.loc[("links", "distance_km"), "bounds"] == "[0.01, 20000]"
    assert t.loc[("services", "departures_per_week"), "bounds"] == "[0.01, 168]"
    assert t.loc[("commodities", "tonnes_per_unit"), "unit"] == "t/unit"
    assert t.loc[("vessels", "speed_kn"), "unit"] == "kn"
    assert t.loc[("weather", "closures_per_month"), "bounds"] == "[0, 31]"
    assert t.loc[("links", "max_units_per_train"), "bounds"] == "[1, 200]"
