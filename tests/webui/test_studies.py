"""Studies: the shipped ones, the variant form, a run in the background, results and uploads."""

from __future__ import annotations

from pathlib import Path

from tests.webui.conftest import Harness

VARIANTS = """
- name: half_noise
  description: less noise
  set: {alerts.noise_fraction: 0.25}
"""


def test_the_shipped_studies_are_listed_with_a_form_each(harness: Harness) -> None:
    browser = harness.signed_in()
    page = browser.get("/studies").text
    for name in ("noise_reduction", "reference", "follow_the_sun", "mmc"):
        assert f'href="/studies/{name}"' in page
    form = browser.get("/studies/noise_reduction").text
    assert "half_noise" in form and 'name="replications"' in form
    assert browser.get("/studies/nope").status_code == 404


def test_a_run_goes_on_in_the_background_and_shows_the_simulators_results(harness: Harness) -> None:
    browser = harness.signed_in()
    started = browser.post(
        "/studies/noise_reduction/runs",
        data={"replications": "2", "seed": "3", "horizon_days": "10", "variants": VARIANTS},
    )
    assert started.status_code == 303
    run_id = started.headers["location"].rsplit("/", 1)[1]
    assert browser.get(f"/studies/runs/{run_id}").status_code == 200
    status = harness.services.studies.wait(run_id, timeout=120)
    assert status.state == "done", status.error
    page = browser.get(f"/studies/runs/{run_id}/progress").text
    assert "Verdict" in page and "half_noise" in page and "MTTA" in page
    report = browser.get(f"/studies/runs/{run_id}/report.html")
    assert "<svg" in report.text
    assert report.headers["content-security-policy"].startswith("default-src 'none'")
    assert browser.get(f"/studies/runs/{run_id}/results.json").json()["replications"] == 2
    assert browser.get(f"/studies/runs/{run_id}/incidents.csv").text.startswith("variant")
    assert browser.get(f"/studies/runs/{run_id}/secret.key").status_code == 404
    assert browser.get("/studies/runs/..%2F..%2Fsecret.key/report.html").status_code == 404


def test_a_bad_variant_form_is_refused_before_anything_runs(harness: Harness) -> None:
    browser = harness.signed_in()
    form = {"replications": "2", "seed": "1", "variants": "- name: x\n  set: {alerts.nope: 1}\n"}
    response = browser.post("/studies/noise_reduction/runs", data=form)
    assert response.status_code == 422
    assert "variant 'x'" in response.json()["detail"]
    broken = browser.post("/studies/noise_reduction/runs", data={**form, "variants": "[unclosed"})
    assert "not valid YAML" in broken.json()["detail"]
    assert browser.post("/studies/noise_reduction/runs", data={**form, "replications": "0"}).status_code == 422


def test_an_uploaded_study_is_validated_and_then_offered(harness: Harness) -> None:
    browser = harness.signed_in()
    text = Path("simulator/studies/mmc.yaml").read_text(encoding="utf-8").replace("name: mmc", "name: mine", 1)
    uploaded = browser.post("/studies/upload", files={"file": ("Mine.yaml", text.encode(), "application/x-yaml")})
    assert uploaded.status_code == 303
    assert uploaded.headers["location"] == "/studies/mine"
    assert "uploaded" in browser.get("/studies").text
    bad = browser.post("/studies/upload", files={"file": ("bad.yaml", b"name: [", "application/x-yaml")})
    assert bad.status_code == 422
