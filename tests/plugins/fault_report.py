"""The fault suite's recovery table (tests/faults): each scenario adds a row, the session ends
with the table. Under pytest-xdist the rows are made in the workers and printed by the
controller, which gathers them as each worker finishes."""

import pytest

_REPORT: list[dict] = []


def report(scenario: str, *, recovery_seconds: float, data_lost: str, note: str = "") -> None:
    """One row of the table printed at the end of the session."""
    _REPORT.append(
        {
            "scenario": scenario,
            "recovery": f"{recovery_seconds:.1f} s",
            "data_lost": data_lost,
            "note": note,
        }
    )
    print(f"\nFAULT {scenario}: recovered in {recovery_seconds:.1f} s; data lost: {data_lost}")


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the rows to the controller
        workeroutput["fault_report"] = list(_REPORT)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    _REPORT.extend(getattr(node, "workeroutput", {}).get("fault_report", []))


def pytest_terminal_summary(terminalreporter):
    if not _REPORT or hasattr(terminalreporter.config, "workeroutput"):
        return
    terminalreporter.write_sep("=", "fault suite: recovery")
    for row in sorted(_REPORT, key=lambda row: row["scenario"]):
        line = f"{row['scenario']:<52} {row['recovery']:>9}  data lost: {row['data_lost']}"
        terminalreporter.write_line(line + (f"  ({row['note']})" if row["note"] else ""))
