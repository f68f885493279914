"""The tables calibration returns, declared once: column, dtype, unit, meaning.

Examples
--------
>>> CALIBRATION.table("kpis").column("error_after_pct").unit
'%'
"""

from __future__ import annotations

from transcaspian.model.results import Column as C
from transcaspian.model.results import ResultSchema, TableSchema

KPI = C("kpi", "str", "", "KPI name of the observed vocabulary (docs/calibration.md)")
ELEMENT = C("element", "str", "", "what the KPI is about: node, service, vessel class, flow, a>b")
YEAR = C("year", "int64", "year", "calendar year of the observed figure")
UNIT = C("unit", "str", "", "unit of the observed and modelled figures")
OBSERVED = C("observed", "float64", "unit", "published figure")
TOLERANCE = C("tolerance_pct", "float64", "%", "agreement the model must reach for the figure")
ENGINE = C("engine", "str", "", "engine computing the KPI: capacity or sim")

#: The observed-versus-modelled table (:func:`~transcaspian.calibration.kpis.model_kpis`).
CHECK = TableSchema("check", "Observed figures beside the model's.", (
    KPI, ELEMENT, YEAR, UNIT, OBSERVED,
    C("modelled", "float64", "unit", "the model's figure (NaN: see model_note)"),
    C("error_pct", "float64", "%", "100 x (modelled - observed) / observed"), TOLERANCE,
    C("within", "bool", "", "|error_pct| <= tolerance_pct"), ENGINE,
    C("note", "str", "", "the observed row's note: definition, or why it cannot be met"),
    C("model_note", "str", "", "why the model gives no figure, if it does not")))

CALIBRATION = ResultSchema("calibrate", "`calibrate(scenario, options)`: scenario fields fitted to "
                           "observed KPIs by minimising the weighted squared relative error.", (
    TableSchema("fit", "Every fitted field: value before and after, and the bounds searched.", (
        C("field", "str", "", "address component[id].field"),
        C("unit", "str", "", "the field's unit"),
        C("before", "float64", "unit", "the scenario's value (NaN if unset)"),
        C("after", "float64", "unit", "fitted value"),
        C("lower", "float64", "unit", "lower bound"), C("upper", "float64", "unit", "upper bound"))),
    TableSchema("kpis", "Every observed figure used, with the model before and after the fit.", (
        KPI, ELEMENT, YEAR, UNIT, OBSERVED,
        C("before", "float64", "unit", "modelled with the scenario's values"),
        C("after", "float64", "unit", "modelled with the fitted values"),
        C("error_before_pct", "float64", "%", "error before"),
        C("error_after_pct", "float64", "%", "error after"), TOLERANCE,
        C("within", "bool", "", "|error_after_pct| <= tolerance_pct"),
        C("weight", "float64", "1/%^2", "weight of the row in the loss"), ENGINE)),
    TableSchema("trace", "Loss of every evaluation, in order.", (
        C("evaluation", "int64", "", "evaluation number from 1 (1 = the scenario's values)"),
        C("loss", "float64", "", "weighted mean squared relative error (1 = every row at its "
          "tolerance)"),
        C("best_loss", "float64", "", "lowest loss so far"),
        C("values", "str", "", "candidate value of each fitted field, 'field=value; ...'"))),
))
