"""Helpers to build a workspace with a unit and an assessment on the bundled criteria."""

from __future__ import annotations

from storage import Workspace, assessments, checklist_store, units
from storage.workspace import Workspace as _W  # noqa: F401


def open_ws(folder):
    return Workspace.open(folder, backup=False)


def town_assessment(ws, checklist="city-2027-town", year=2027, name="城关镇"):
    """Import the bundled criteria, add a county and a town, open a draft assessment."""
    checklist_store.ensure_bundled(ws)
    county = units.add_unit(ws, "某县", "county")
    town = units.add_unit(ws, name, "town", county["id"])
    return assessments.new_assessment(ws, town["id"], checklist, None, year)
