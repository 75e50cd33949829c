"""Simulation studies: pick or upload one, adjust its variants, run it, read the results.

Only signed-in facilitators reach these pages (a run is heavy work on the server). Runs are
child processes (:mod:`webui.studies`). The run page listens to a server-sent stream of its
progress fragment (its place in the queue, replications done, the cancel button), pushed
when the run's status changes, never polled; the stream's last message is the ended run
(the verdict, the headline figures per variant, the simulator's own report with its plots,
the downloads), after which the page stops listening. Without JavaScript the page is the
same fragment, a reload link and a plain cancel form.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile, status
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.concurrency import run_in_threadpool

from playbook.errors import InvalidDefinition
from simulator.results import HEADLINE, METRIC_INFO
from webui.deps import CsrfDep, ServicesDep, signed_in
from webui.errors import redact, server_roots
from webui.rendering import render, templates
from webui.schedule_reports import Window, study_schedules
from webui.streams import Renderer, event_stream
from webui.studies import OUTPUTS, RunStatus, StudyEntry, parse_variants, run_topic

__all__ = ["router"]

router = APIRouter(prefix="/studies", include_in_schema=False, dependencies=[Depends(signed_in)])

# The simulator's report is self-contained (inline CSS and SVG, no scripts): shown in a frame.
_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def _entry(services: ServicesDep, study_id: str) -> StudyEntry:
    try:
        return services.studies.entry(study_id)
    except KeyError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no study {study_id!r}") from None


@router.get("", response_class=HTMLResponse)
def index(request: Request, services: ServicesDep, csrf: CsrfDep) -> Response:
    context = {"entries": services.studies.entries(), "runs": services.studies.recent(), "csrf": csrf}
    return templates().TemplateResponse(request, "studies/index.html", context)


@router.post("/upload")
async def upload(request: Request, services: ServicesDep, file: Annotated[UploadFile, File()]) -> Response:
    """Keep an uploaded study file (validated first) and open its form."""
    raw = await file.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidDefinition("a study file is UTF-8 YAML", field="file") from None
    entry = await run_in_threadpool(services.studies.upload, file.filename or "study.yaml", text)
    location = f"/studies/{entry.id}"
    if request.headers.get("hx-request"):
        return Response(status_code=200, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str, services: ServicesDep, csrf: CsrfDep) -> Response:
    context = {**_run_context(services, run_id), "csrf": csrf}
    return templates().TemplateResponse(request, "studies/run.html", context)


@router.get("/runs/{run_id}/stream")
def stream(run_id: str, services: ServicesDep, csrf: CsrfDep, seq: int | None = None) -> StreamingResponse:
    """The run's progress fragment whenever it changes, then ``end`` once the run is over;
    ``seq``: the version of the status the page was rendered from."""
    _run_context(services, run_id)  # an unknown run is a 404 before any stream starts
    settings = services.settings
    body = event_stream(
        services.hub, run_topic(run_id), _progress_panels(services, run_id, csrf),
        max_seconds=settings.sse_max_seconds, tick=settings.tick_seconds, page_seq=seq, closes="end",
    )
    return StreamingResponse(body, media_type="text/event-stream", headers={"Cache-Control": "no-store"})


def status_seq(run: RunStatus) -> int:
    """A version of a run's status (a digest of it): the stream skips what the page shows."""
    return int(hashlib.blake2b(run.model_dump_json().encode(), digest_size=6).hexdigest(), 16)


def _progress_panels(services: ServicesDep, run_id: str, csrf: str) -> Renderer:
    def panels(_full: bool) -> tuple[int, dict[str, str]]:  # a status is cheap: always all of it
        context = {**_run_context(services, run_id), "csrf": csrf}
        run: RunStatus = context["run"]
        out = {"progress": render("studies/_progress.html", **context)}
        if run.ended:
            out["end"] = ""
        return status_seq(run), out

    return panels


@router.post("/runs/{run_id}/cancel")
def cancel(request: Request, run_id: str, services: ServicesDep) -> Response:
    """Cancel a queued or running run (its process stops); an ended run stays as it is."""
    try:
        services.studies.cancel(run_id)
    except KeyError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no study run {run_id!r}") from None
    location = f"/studies/runs/{run_id}"
    if request.headers.get("hx-request"):
        return Response(status_code=200, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


@router.get("/runs/{run_id}/{name}")
def output(run_id: str, name: str, services: ServicesDep) -> Response:
    """One of a finished run's outputs: report.html, results.json or incidents.csv."""
    try:
        path = services.studies.output(run_id, name)
    except KeyError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no output {name!r} for run {run_id!r}") from None
    if name == "report.html":
        return FileResponse(path, media_type=OUTPUTS[name], headers={"Content-Security-Policy": _REPORT_CSP})
    return FileResponse(path, media_type=OUTPUTS[name], filename=f"{run_id}-{name}")


@router.get("/{study_id}", response_class=HTMLResponse)
def study_form(
    request: Request, study_id: str, services: ServicesDep, csrf: CsrfDep, window: Window = "horizon"
) -> Response:
    """The study's form, and its schedules' report over its horizon or the next four weeks."""
    entry = _entry(services, study_id)
    schedules = study_schedules(entry.study, window, now=services.manager.clock.now())
    context = {"entry": entry, "csrf": csrf, "schedules": schedules}
    return templates().TemplateResponse(request, "studies/form.html", context)


@router.post("/{study_id}/runs")
def start_run(
    study_id: str,
    services: ServicesDep,
    replications: Annotated[int, Form(ge=1, le=1000)],
    seed: Annotated[int, Form(ge=0)],
    variants: Annotated[str, Form(max_length=100_000)] = "",
    horizon_days: Annotated[float | None, Form(gt=0, le=3650)] = None,
) -> Response:
    """Start a run with the form's replications, seed, horizon and variants."""
    entry = _entry(services, study_id)
    overrides: dict[str, Any] = {"replications": replications, "seed": seed, "variants": parse_variants(variants)}
    if horizon_days is not None:
        overrides["horizon_days"] = horizon_days
    run_id = services.studies.start(entry, overrides)
    return RedirectResponse(f"/studies/runs/{run_id}", status_code=303)


def _run_context(services: ServicesDep, run_id: str) -> dict[str, Any]:
    try:
        status_ = services.studies.status(run_id)
    except KeyError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no study run {run_id!r}") from None
    if status_.error:
        status_ = status_.model_copy(update={"error": redact(status_.error, server_roots(services.settings.data_dir))})
    context: dict[str, Any] = {
        "run": status_, "seq": status_seq(status_), "outputs": list(OUTPUTS), "results": None
    }
    if status_.state == "done":
        results = services.studies.results(run_id)
        summaries = results.get("summaries", {})
        rows = []
        for metric in HEADLINE:
            label, unit = METRIC_INFO[metric]
            cells = [summaries.get(variant, {}).get(metric) for variant in summaries]
            rows.append({"label": label, "unit": unit, "cells": cells})
        context["results"] = {"verdict": results.get("verdict", []), "variants": list(summaries), "rows": rows}
    return context
