"""Simulator commands: ``simulate`` a study; ``validate mmc`` (the engine against Erlang C),
``validate aa`` (the verdict's false-positive rate) and ``validate crn`` (common random numbers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simulator.aa import AaRun, validate_aa
from simulator.accelerator import status
from simulator.crn import check_crn
from simulator.mmc import validate_mmc
from simulator.output import write_outputs
from simulator.results import HEADLINE, METRIC_INFO, StudyResult
from simulator.runner import run_study
from simulator.study import Study, load_study

__all__ = ["register"]

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON to stdout")]


def _run_with_progress(
    study: Study,
    *,
    replications: int | None,
    seed: int | None,
    workers: int | None,
    dask: str | None,
) -> StudyResult:
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task("replications", total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return run_study(
            study, replications=replications, seed=seed, workers=workers, dask=dask, progress=update
        )


def _print_summary(result: StudyResult) -> None:
    estimates = result.estimates()
    table = Table(
        title=f"study {result.study.name!r}: mean ± 95% CI half-width, {result.study.replications} replications"
    )
    table.add_column("metric")
    for variant in result.variants:
        table.add_column(variant, justify="right")
    for metric in HEADLINE:
        unit = METRIC_INFO[metric][1]
        scale = 100.0 if unit == "share" else 1.0
        cells = []
        for variant in result.variants:
            est = estimates[variant].get(metric)
            if est is None or est.n == 0:
                cells.append("-")
            elif est.n == 1:
                cells.append(f"{est.mean * scale:.2f}")
            else:
                cells.append(f"{est.mean * scale:.2f} ±{(est.hi - est.mean) * scale:.2f}")
        table.add_row(metric + (" %" if unit == "share" else ""), *cells)
    out.print(table)
    lead, *findings = result.verdict()
    out.print(f"[bold]Answer:[/bold] {escape(lead)}", highlight=False)
    for line in findings:
        out.print(f"- {escape(line)}", highlight=False)


def simulate(
    study: Annotated[
        Path, typer.Argument(help="study YAML, e.g. simulator/studies/reference.yaml")
    ],
    replications: Annotated[
        int | None, typer.Option(help="replications (default: the study's)")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="seed (default: the study's)")] = None,
    workers: Annotated[
        int | None, typer.Option(help="worker processes (default: all cores)")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="output directory (default: out/STUDY-NAME)")
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask", help="run on this Dask scheduler address instead of local processes"
        ),
    ] = None,
    incident_replications: Annotated[
        int, typer.Option(help="replications whose incidents go to incidents.csv (0: all)")
    ] = 5,
    as_json: JsonOpt = False,
) -> None:
    """Run a what-if study; write results.json, incidents.csv and report.html."""
    spec = load_study(study)
    result = _run_with_progress(
        spec, replications=replications, seed=seed, workers=workers, dask=dask
    )
    target = out_dir or Path("out") / spec.name
    paths = write_outputs(result, target, incident_replications=incident_replications)
    if as_json:
        print(json.dumps({"summaries": result.summaries(), "verdict": result.verdict(),
                          "outputs": {k: str(v) for k, v in paths.items()}}))  # fmt: skip
        return
    _print_summary(result)
    err.print(
        f"{result.total_alerts:,} alerts in {result.elapsed_seconds:.1f} s on {result.workers or 'dask'} workers; "
        f"wrote {paths['results']}, {paths['incidents']}, {paths['report']}; {status().describe()}",
        highlight=False,
    )


def mmc(
    lam: Annotated[float, typer.Option("--lam", help="arrival rate (per hour)")],
    mu: Annotated[float, typer.Option("--mu", help="service rate per responder (per hour)")],
    servers: Annotated[int, typer.Option("--servers", help="responders in the pool (c)")],
    customers: Annotated[int, typer.Option(help="customers per replication")] = 50_000,
    replications: Annotated[int, typer.Option(help="replications")] = 5,
    seed: Annotated[int, typer.Option(help="seed")] = 42,
    workers: Annotated[
        int | None, typer.Option(help="worker processes (default: all cores)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the M/M/c reduction through the full model and compare with Erlang C."""
    report = validate_mmc(
        lam, mu, servers, customers=customers, replications=replications, seed=seed, workers=workers
    )
    if as_json:
        print(json.dumps({key: report[key] for key in ("simulated", "ci95", "analytic")}))
        return
    table = Table(
        title=f"M/M/{servers}: lambda={lam:g}, mu={mu:g} (times in the unit of the rates)"
    )
    for column in ("figure", "simulated", "95% CI", "Erlang C", "error"):
        table.add_column(column)
    for key, analytic in report["analytic"].items():
        simulated = report["simulated"][key]
        lo, hi = report["ci95"][key]
        error = (simulated - analytic) / analytic if analytic else 0.0
        table.add_row(
            key,
            f"{simulated:.4f}",
            f"[{lo:.4f}, {hi:.4f}]",
            f"{analytic:.4f}",
            f"{100 * error:+.2f}%",
        )
    out.print(table)
    params = report["parameters"]
    out.print(
        f"{params['customers_measured']:,} customers measured after a warm-up of "
        f"{params['warmup_hours']:.1f} (relaxation-time rule)",
        highlight=False,
    )


StudyArg = Annotated[Path, typer.Argument(help="study YAML")]


def aa(
    study: StudyArg,
    seeds: Annotated[int, typer.Option(help="independent A/A studies to run")] = 20,
    replications: Annotated[
        int | None, typer.Option(help="replications per A/A study (default: the study's)")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="worker processes (default: all cores)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The baseline against re-keyed copies of itself: the family-wise false-positive rate.

    Exits 1 when the rate is above 5%.
    """

    def progress(run: AaRun) -> None:
        err.print(
            f"A/A study {run.run + 1}/{seeds}: {run.raw_significant} of {run.tests} tests "
            f"significant raw, {run.adjusted_significant} after Holm",
            highlight=False,
        )

    report = validate_aa(
        load_study(study),
        seeds=seeds,
        replications=replications,
        workers=workers,
        progress=progress,
    )
    if as_json:
        print(json.dumps(report))
    else:
        lo, hi = report["family_wise_ci95"]
        out.print(
            f"A/A {report['study']!r}: {report['seeds']} studies of the baseline against "
            f"{report['copies']} re-keyed copies, {report['replications']} replications, "
            f"{len(report['metrics'])} metrics ({report['tests']:,} paired tests)\n"
            f"raw p < 0.05: {report['raw_significant']} tests "
            f"({100 * report['raw_per_test_rate']:.1f}%), in "
            f"{report['studies_with_a_raw_false_positive']} of {report['seeds']} studies\n"
            f"Holm-adjusted: {report['adjusted_significant']} tests; family-wise false-positive "
            f"rate {100 * report['family_wise_false_positive_rate']:.1f}% "
            f"(95% CI {100 * lo:.1f}-{100 * hi:.1f}%), limit 5%: "
            + ("ok" if report["ok"] else "TOO HIGH"),
            highlight=False,
        )
    if not report["ok"]:
        raise typer.Exit(1)


def crn(
    study: StudyArg,
    variant: Annotated[
        str | None, typer.Option(help="the variant to pair with the baseline (default: the first)")
    ] = None,
    replications: Annotated[
        int | None, typer.Option(help="replications (default: the study's)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """How well common random numbers hold between the baseline and one variant."""
    spec = load_study(study)
    name = variant or (spec.variants[0].name if spec.variants else "")
    report = check_crn(spec, name, replications=replications)
    if as_json:
        print(json.dumps(report.as_dict()))
        return
    out.print(report.summary(), highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``simulate`` and ``validate mmc|aa|crn`` to the root app."""
    app.command("simulate")(simulate)
    validate = typer.Typer(help="Check the engine against known results.", no_args_is_help=True)
    validate.command("mmc")(mmc)
    validate.command("aa")(aa)
    validate.command("crn")(crn)
    app.add_typer(validate, name="validate")
