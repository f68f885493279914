"""Cargo as people write it (issue 11 item 8): every form of the help and docs parses to the
right commodity, units and tonnes; mistakes get one problem each with a sensible hint."""

from __future__ import annotations

import pytest

from transcaspian.analysis import parse_cargo
from transcaspian.analysis.quote import CARGO_FORMS, find_commodity
from transcaspian.model import load_scenario
from transcaspian.model.errors import UserError


@pytest.fixture(scope="module")
def base():
    return load_scenario("baseline-2024")


# commodity, unit, units, tonnes: baseline-2024 has container 10 t/TEU, grain 65 t/wagon,
# trucks 22 t/truck, crude 1 t/t, uranium 16 t/TEU
@pytest.mark.parametrize(("text", "expected"), [
    ("500 t crude", ("crude", "tonne", 500.0, 500.0)),
    ("500 t crude-oil", ("crude", "tonne", 500.0, 500.0)),          # the documented form
    ("500 tonnes of crude oil", ("crude", "tonne", 500.0, 500.0)),
    ("2 kt crude", ("crude", "tonne", 2000.0, 2000.0)),
    ("2 FEU", ("container", "teu", 4.0, 40.0)),                      # FEU = 2 TEU
    ("2FEU", ("container", "teu", 4.0, 40.0)),
    ("10 TEU", ("container", "teu", 10.0, 100.0)),
    ("40ft", ("container", "teu", 2.0, 20.0)),                       # one 40-ft box = 1 FEU
    ("40 ft", ("container", "teu", 2.0, 20.0)),
    ("20ft", ("container", "teu", 1.0, 10.0)),
    ("2 x 40ft", ("container", "teu", 4.0, 40.0)),
    ("3x20'", ("container", "teu", 3.0, 30.0)),
    ("FEU", ("container", "teu", 2.0, 20.0)),                        # no quantity: one
    ("40ft uranium", ("uranium", "teu", 2.0, 32.0)),
    ("1 truck", ("trucks", "truck", 1.0, 22.0)),
    ("a truck", ("trucks", "truck", 1.0, 22.0)),
    ("3 wagons grain", ("grain", "wagon", 3.0, 195.0)),
    ("3 wagons of wheat", ("grain", "wagon", 3.0, 195.0)),           # a word of the name
    ("1,300 t grain", ("grain", "wagon", 20.0, 1300.0)),             # 1,300 t / 65 t a wagon
])
def test_forms_parse_to_units_and_tonnes(base, text, expected):
    c = parse_cargo(base, text)
    assert (c.commodity, c.unit) == expected[:2]
    assert c.units == pytest.approx(expected[2])
    assert c.tonnes == pytest.approx(expected[3])


def test_every_form_in_the_help_parses(base):
    for form in CARGO_FORMS:
        assert parse_cargo(base, form.strip("'")).tonnes > 0


def test_commodity_by_id_words_before_name_words(base):
    assert find_commodity(base, "containers")[0].id == "container"   # not uranium ("...in containers")
    assert find_commodity(base, "metal")[0].id == "metals"
    assert find_commodity(base, "oil")[0].id == "crude"
    com, problem = find_commodity(base, "c")
    assert com is None and "ambiguous" in problem and "container" in problem and "crude" in problem


def _problems(base, text):
    with pytest.raises(UserError) as e:
        parse_cargo(base, text)
    return [str(p) for p in e.value.problems]


def test_40ft_written_wrong_is_not_told_about_tonnes(base):
    (p,) = _problems(base, "2 ft")
    assert "did you mean '40ft'" in p and "did you mean 't'" not in p


def test_no_suggestion_of_t_for_short_words(base):
    for text in ("2 fx", "2 xt", "2 tt"):
        assert all("did you mean 't'" not in p for p in _problems(base, text))


def test_commodity_in_place_of_unit_gets_the_unit(base):
    (p,) = _problems(base, "500 crude")
    assert "'crude' is a commodity, not a unit" in p and "'500 t crude'" in p


def test_containers_are_counted_in_teu_or_feu(base):
    (p,) = _problems(base, "10 containers")
    assert "TEU or FEU" in p and "40ft" in p


def test_errors_list_the_accepted_forms(base):
    (p,) = _problems(base, "lots")
    assert "expected QUANTITY UNIT" in p and all(f in p for f in CARGO_FORMS)
    (p,) = _problems(base, "2 tonns")
    assert "did you mean 'tonnes'" in p and "'500 t crude'" in p


def test_every_problem_at_once(base):
    ps = _problems(base, "-2 wagns grian")
    assert len(ps) == 1   # '-2' is not a quantity: the whole text is unreadable
    ps = _problems(base, "0 wagns grian")
    assert any("positive" in p for p in ps) and any("did you mean 'wagons'" in p for p in ps)
    assert any("unknown commodity 'grian'" in p and "did you mean 'grain'" in p for p in ps)


def test_unit_and_commodity_must_agree(base):
    (p,) = _problems(base, "3 wagons crude")
    assert "handled in tonne, not wagon" in p
