"""Studies: the shipped ones, the variant form, a run in the background, results and uploads."""

from __future__ import annotations

import html
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
    page = browser.get(f"/studies/runs/{run_id}").text
    assert "Verdict" in page and "half_noise" in page and "MTTA" in page
    answer = browser.get(f"/studies/runs/{run_id}/results.json").json()["verdict"][0]
    lead = page.split("<h2>Verdict</h2>", 1)[1].lstrip()
    assert html.unescape(lead.split("</p>", 1)[0]).endswith(f"<strong>{answer}</strong>")  # it leads, alone
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
    assert broken.status_code == 422
    assert broken.json()["detail"].startswith("variants:1:")
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


# -- uploads cannot name server files (issue 9, item 4) -------------------------------------------
MMC = Path("simulator/studies/mmc.yaml").read_text(encoding="utf-8")


def _with_playbook(ref: str) -> bytes:
    head, _, rest = MMC.partition("\nplaybook:\n")
    body = rest.split("\nstart:", 1)[1]
    return f"{head}\nplaybook: {ref}\nstart:{body}".encode()


def test_an_upload_naming_a_server_file_is_refused_without_reading_it_or_echoing_a_path(harness: Harness) -> None:
    browser = harness.signed_in()
    for ref in ("/etc/shadow", "/dev/zero", "../../../etc/passwd", "default.yaml", "/etc/hostname"):
        response = browser.post("/studies/upload", files={"file": ("leak.yaml", _with_playbook(ref))})
        assert response.status_code == 422, ref
        detail = response.json()["detail"]
        assert detail.startswith("leak.yaml: playbook: a study from the web names a shipped playbook"), detail
        assert "/etc" not in detail and "shadow" not in detail
    assert not harness.services.studies.uploads.exists() or not list(harness.services.studies.uploads.iterdir())


def test_an_upload_may_name_the_shipped_playbook_or_write_one_inline(harness: Harness) -> None:
    browser = harness.signed_in()
    shipped = Path("simulator/studies/follow_the_sun.yaml").read_bytes()
    assert b"\nplaybook: default\n" in shipped
    named = browser.post("/studies/upload", files={"file": ("named.yaml", shipped)})
    assert named.status_code == 303, named.text
    inline = browser.post("/studies/upload", files={"file": ("inline.yaml", MMC.encode())})
    assert inline.status_code == 303, inline.text


def test_a_variant_cannot_point_the_playbook_at_a_file_either(harness: Harness) -> None:
    browser = harness.signed_in()
    variants = "- name: sneaky\n  set: {playbook: /etc/shadow}\n"
    upload = MMC.replace("\nalerts:", f"\nvariants:\n{variants.replace('- ', '  - ').replace(chr(10) + '  set', chr(10) + '    set')}\nalerts:", 1)
    uploaded = browser.post("/studies/upload", files={"file": ("sneaky.yaml", upload.encode())})
    assert uploaded.status_code == 422
    assert "variants[0].set.playbook" in uploaded.json()["detail"]
    form = browser.post("/studies/mmc/runs", data={"replications": "1", "seed": "1", "variants": variants})
    assert form.status_code == 422
    assert "/etc" not in form.json()["detail"]


def test_errors_of_studies_never_show_an_absolute_server_path(harness: Harness) -> None:
    browser = harness.signed_in()
    broken = MMC.replace("start: 2025-01-06T00:00:00+00:00\n", "")
    response = browser.post("/studies/upload", files={"file": ("nostart.yaml", broken.encode())})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("nostart.yaml")
    for root in (str(harness.services.settings.data_dir.resolve()), str(Path.cwd()), "/tmp", "/work"):
        assert root not in detail
    patched = browser.post(
        "/studies/mmc/runs",
        data={"replications": "1", "seed": "1", "variants": "- name: v\n  set: {playbook.severities: 3}\n"},
    )
    assert patched.status_code == 422
    assert str(Path.cwd()) not in patched.json()["detail"] and "/work" not in patched.json()["detail"]
