"""``handouts serve`` in a real browser: Debian's chromium driven by Playwright, against the
server started as the front desk starts it. Pages are driven by their accessible names."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import EXE, flat, pdf_text
from smtp_server import PASSWORD, SMTPServer, free_port

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "tests" / "web" / "node_modules" / "axe-core" / "axe.min.js"
QUEUE = "handouts-test"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

sync_api = pytest.importorskip("playwright.sync_api")


def _need(what: str, ok: bool) -> None:
    if not ok:
        if os.environ.get("HANDOUTS_REQUIRE_BROWSER"):
            pytest.fail(f"{what} is missing (.ci/run installs it)")
        pytest.skip(f"{what} is not installed here (.ci/run installs it)")


@pytest.fixture(scope="module")
def browser():
    _need("Debian's chromium", Path(CHROMIUM).exists())
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    server = SMTPServer(tmp_path_factory.mktemp("smtp")).start()
    yield server
    server.stop()


@contextlib.contextmanager
def _serving(folder: Path, *args: str, env: dict | None = None, wait_for: str = "/"):
    """`handouts serve` on a free port, started in ``folder``; its address once it answers."""
    port = free_port()
    proc = subprocess.Popen([str(EXE), "serve", "--port", str(port), *args], cwd=folder,
                            env=dict(os.environ, **(env or {})), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + wait_for, timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"handouts serve stopped: {proc.stderr.read()}")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory, smtp):
    """The page, as `handouts serve` starts it, for a clinic with a printer and an SMTP relay."""
    folder = tmp_path_factory.mktemp("serve")
    config = smtp.config(folder, extra=f'\n[serve]\nprinter = "{QUEUE}"\n')
    with _serving(folder, "--config", str(config), env={"HANDOUTS_SMTP_PASSWORD": PASSWORD}) as url:
        yield url


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def page(request, browser):
    context = browser.new_context(java_script_enabled=request.param, accept_downloads=True, locale="en-US")
    yield context.new_page()
    context.close()


def _make(page, server, drug="baclofen", lang="es", **fields):
    page.goto(server + "/")
    page.get_by_label("Drug", exact=True).fill(drug)
    page.get_by_label("Language", exact=True).select_option(lang)
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)


def test_a_spanish_handout_with_the_patients_name_downloads_as_a_pdf(page, server, tmp_path):
    _make(page, server, **{"Patient name": "Ana García"})
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    path = tmp_path / "got.pdf"
    download.value.save_as(path)
    assert download.value.suggested_filename == "baclofen-es.pdf"
    text = flat(" ".join(pdf_text(path)))
    assert "Ana García" in text and "Baclofeno" in text


def test_a_typo_in_the_drug_shows_the_suggestion_beside_the_field(page, server):
    _make(page, server, drug="baclofn")
    page.get_by_role("button", name="Preview").click()
    field = page.get_by_label("Drug", exact=True)
    assert field.get_attribute("aria-invalid") == "true"
    described = page.locator(f"#{field.get_attribute('aria-describedby')}")
    assert "did you mean 'baclofen'?" in described.inner_text()


def test_the_preview_shows_every_page_of_the_pdf(page, server):
    _make(page, server, drug="Lioresal", lang="en")
    page.get_by_role("button", name="Preview").click()
    first = page.get_by_role("img", name=re.compile(r"^Page 1 of \d+$"))
    first.wait_for()
    total = int(first.get_attribute("alt").rsplit(" ", 1)[1])
    assert total >= 2
    for n in range(1, total + 1):
        picture = page.get_by_role("img", name=f"Page {n} of {total}")
        for _ in range(600):  # (polled: without JavaScript the page's own events do not run)
            if picture.evaluate("img => img.complete"):
                break
            time.sleep(0.05)
        assert picture.evaluate("img => img.naturalWidth") > 500  # the picture loaded


def test_print_sends_the_pdf_to_the_clinics_printer(page, server):
    _need("the CUPS test queue", shutil.which("lp") is not None and
          subprocess.run(["lpstat", "-p", QUEUE], capture_output=True).returncode == 0)
    _make(page, server, drug="naloxone", lang="en")
    assert page.get_by_label("Printer", exact=True).input_value() == QUEUE  # the clinic's default
    page.get_by_role("button", name="Print", exact=True).click()
    status = page.get_by_role("status").filter(has_text="Sent to")
    assert status.inner_text().startswith(f"Sent to {QUEUE}, job ")


def test_email_sends_once_and_a_second_click_says_already_sent(page, server, smtp):
    before = len(smtp.received)
    address = f"pat{int(time.time() * 1000) % 10**9}@example.org"
    _make(page, server, drug="lamotrigine", lang="es", **{"Patient name": "Ana García", "Email address": address})
    page.get_by_role("button", name="Email", exact=True).click()
    assert page.get_by_role("status").filter(has_text="Sent by email").count() == 1, page.locator("main").inner_text()
    assert len(smtp.received) == before + 1 and smtp.received[-1].rcpt_tos == [address]
    # the form keeps its values; a second click does not send again
    assert page.get_by_label("Email address", exact=True).input_value() == address
    assert page.get_by_label("Patient name", exact=True).input_value() == "Ana García"
    page.get_by_role("button", name="Email", exact=True).click()
    assert page.get_by_role("status").filter(has_text="Already sent").count() == 1
    assert len(smtp.received) == before + 1


def test_a_batch_is_checked_then_made_with_its_progress_to_the_end(page, server):
    page.goto(server + "/batch")
    page.get_by_label("CSV file").set_input_files(str(ROOT / "samples" / "patients.csv"))
    page.get_by_role("button", name="Check rows").click()
    page.get_by_role("button", name="Make all").click()
    bar = page.locator("progress")
    page.get_by_role("link", name="Download print file").wait_for(timeout=120_000)
    total = int(bar.get_attribute("max"))
    assert total >= 5 and int(bar.get_attribute("value")) == total
    assert page.get_by_text(f"{total} of {total}").count() == 1
    with page.expect_download() as download:
        page.get_by_role("link", name="Download print file").click()
    assert download.value.suggested_filename == "handouts-print.pdf"
    # Email all: each row with an address, once; a second click sends nothing more
    page.get_by_role("button", name="Email all").click()
    first = page.get_by_role("status").filter(has_text="Email:").inner_text()
    page.get_by_role("button", name="Email all").click()
    again = page.get_by_role("status").filter(has_text="Email:").inner_text()
    assert "failed 0" in first and again.startswith("Email: sent 0, already sent ")
    assert int(again.split("already sent ")[1].split(",")[0]) >= 2


def test_print_all_sends_the_batchs_print_file(browser, server):
    _need("the CUPS test queue", shutil.which("lp") is not None and
          subprocess.run(["lpstat", "-p", QUEUE], capture_output=True).returncode == 0)
    page = browser.new_page()
    page.goto(server + "/batch")
    page.get_by_label("CSV file").set_input_files(str(ROOT / "samples" / "patients.csv"))
    page.get_by_role("button", name="Check rows").click()
    page.get_by_role("button", name="Make all").click()
    page.get_by_role("button", name="Print all").wait_for(timeout=120_000)
    assert page.get_by_label("Printer").input_value() == QUEUE
    page.get_by_role("button", name="Print all").click()
    assert page.get_by_role("status").filter(has_text="Sent to").inner_text().startswith(f"Sent to {QUEUE}, job ")
    page.close()


def test_every_page_links_the_others(page, server):
    for path in ("/", "/batch", "/languages"):
        page.goto(server + path)
        nav = page.get_by_role("navigation")
        for name in ("Make a handout", "Batch", "Languages"):
            assert nav.get_by_role("link", name=name).count() == 1


def test_a_post_without_the_csrf_token_is_refused(server):
    data = b"drug=baclofen&lang=es&action=download"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(urllib.request.Request(server + "/", data=data, method="POST"), timeout=10)
    assert caught.value.code == 403


def test_a_foreign_host_header_is_refused(server):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(urllib.request.Request(server + "/", headers={"Host": "attacker.example:80"}),
                               timeout=10)
    assert caught.value.code == 400


def test_no_serious_accessibility_violation_on_any_page(browser, server):
    """Every page, and the states that add to it: a field's error, a preview, a row check, a
    running and a finished batch."""
    _need("axe-core (npm ci --prefix tests/web)", AXE.exists())
    context = browser.new_context(bypass_csp=True)  # (to inject axe; the page itself allows only its own scripts)
    page = context.new_page()
    found = {}

    def scan(name: str) -> None:
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [f"{v['id']} ({v['impact']})" for v in result["violations"] if v["impact"] in ("serious", "critical")]
        if bad:
            found[name] = bad

    for path in ("/", "/batch", "/languages"):
        page.goto(server + path)
        scan(path)
    _make(page, server, drug="baclofn")
    page.get_by_role("button", name="Preview").click()
    scan("/ with an error")
    _make(page, server, drug="baclofen", **{"Patient name": "Ana García"})
    page.get_by_role("button", name="Preview").click()
    # (the pictures loaded: beside the form on a wide screen, the preview then scrolls)
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    scan("/ with a preview")
    page.goto(server + "/batch")
    page.get_by_label("CSV file").set_input_files(str(ROOT / "samples" / "patients.csv"))
    page.get_by_role("button", name="Check rows").click()
    scan("/batch with its row check")
    page.get_by_role("button", name="Make all").click()
    scan("/batch/... while it runs")
    page.get_by_role("link", name="Download print file").wait_for(timeout=120_000)
    scan("/batch/... finished")
    context.close()
    assert found == {}


def test_screenshots_of_each_page(browser, server, tmp_path):
    """The README's pictures: HANDOUTS_SCREENSHOTS=samples writes them there."""
    folder = Path(os.environ.get("HANDOUTS_SCREENSHOTS") or tmp_path)
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="en-US")
    page = context.new_page()
    _make(page, server, drug="baclofen", lang="es", **{"Patient name": "Ana García", "Dose": "1", "Times": "3"})
    page.get_by_label("Form", exact=True).select_option("tablet")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("img", name=re.compile(r"^Page 1 of \d+$")).wait_for()
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    page.screenshot(path=str(folder / "serve-make.jpg"), type="jpeg", quality=75)
    page.goto(server + "/batch")
    page.get_by_label("CSV file").set_input_files(str(ROOT / "samples" / "patients.csv"))
    page.get_by_role("button", name="Check rows").click()
    page.screenshot(path=str(folder / "serve-batch.png"), full_page=True)
    page.set_viewport_size({"width": 1900, "height": 800})  # every language's column
    for _ in range(60):
        page.goto(server + "/languages")
        if not page.get_by_text("Checking the handouts").count():
            break
        time.sleep(0.5)
    page.screenshot(path=str(folder / "serve-languages.png"), full_page=True)
    context.close()
    for name in ("serve-make.jpg", "serve-batch.png", "serve-languages.png"):
        assert (folder / name).stat().st_size > 10_000


def test_the_page_speaks_spanish_to_a_spanish_browser(browser, server):
    context = browser.new_context(locale="es-ES")
    page = context.new_page()
    page.goto(server + "/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("navigation").get_by_role("link", name="Hacer una hoja informativa").count() == 1
    page.get_by_label("Medicamento", exact=True).fill("baclofen")
    page.get_by_role("button", name="Vista previa").click()
    assert page.get_by_role("img", name=re.compile(r"^Página 1 de \d+$")).count() == 1
    context.close()


def test_the_web_catalogs_hold_every_string_of_the_page(tmp_path):
    """locales/web.pot is what extraction finds now, and the Spanish catalog translates all of it."""
    from babel.messages.pofile import read_po

    out = tmp_path / "web.pot"
    subprocess.run([str(Path(EXE).parent / "pybabel"), "extract", "-F", "babel-web.cfg", "-o", str(out),
                    "--add-comments=Translators:", "--project=handouts-web", "."], cwd=ROOT, check=True,
                   capture_output=True)
    with out.open("rb") as fh:
        found = {m.id for m in read_po(fh) if m.id}
    with (ROOT / "locales" / "web.pot").open("rb") as fh:
        shipped = {m.id for m in read_po(fh) if m.id}
    assert found == shipped, "run: pybabel extract -F babel-web.cfg -o locales/web.pot ."
    with (ROOT / "locales" / "es" / "LC_MESSAGES" / "web.po").open("rb") as fh:
        spanish = {m.id: m.string for m in read_po(fh) if m.id}
    assert sorted(i for i in shipped if not spanish.get(i)) == []


def test_another_host_needs_an_access_password(tmp_path):
    r = subprocess.run([str(EXE), "serve", "--host", "0.0.0.0", "--port", str(free_port())], cwd=tmp_path,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "handouts: error: --host 0.0.0.0: the page would be open to the whole network; set an access password "
        "first ([serve] password_hash from 'handouts serve --hash-password', or the environment variable "
        "HANDOUTS_SERVE_PASSWORD), or listen on 127.0.0.1"]


def test_a_hashed_password_opens_the_page_and_a_wrong_one_does_not(tmp_path, browser):
    r = subprocess.run([str(EXE), "serve", "--hash-password"], input="front desk 2026\n", capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0 and r.stdout.startswith("scrypt$")
    (tmp_path / "handouts.toml").write_text(f'[serve]\npassword_hash = "{r.stdout.strip()}"\n', encoding="utf-8")
    with _serving(tmp_path, wait_for="/login") as url:
        context = browser.new_context(bypass_csp=True)  # (to inject axe into the sign-in page)
        page = context.new_page()
        page.goto(url + "/languages")
        assert page.url == url + "/login"  # every page asks for it first
        if AXE.exists():
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
        page.get_by_label("Access password").fill("not it")
        page.get_by_role("button", name="Sign in").click()
        assert page.get_by_text("Wrong password; try again.").count() == 1
        page.get_by_label("Access password").fill("front desk 2026")
        page.get_by_role("button", name="Sign in").click()
        page.goto(url + "/languages")
        assert page.get_by_role("heading", name="Languages").count() == 1
        context.close()


def test_a_csv_larger_than_5_mb_is_refused_with_a_message(page, server, tmp_path):
    big = tmp_path / "big.csv"
    big.write_text("drug,lang\n" + "baclofen,es\n" * 500_000, encoding="utf-8")  # 6 MB
    page.goto(server + "/batch")
    page.get_by_label("CSV file").set_input_files(str(big))
    page.get_by_role("button", name="Check rows").click()
    assert "larger than 5 MB" in page.content()


def test_no_other_file_can_be_read_through_the_page(server):
    for path in ("/static/../../pyproject.toml", "/static/%2e%2e%2fhandouts.toml", "/static/make.html.j2",
                 "/preview/nope/1.png", "/batch/nope/print.pdf"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(server + path, timeout=10)
        assert caught.value.code == 404, path


def test_the_pages_reflow_at_200_percent_zoom(browser, server):
    """WCAG 1.4.10: at 200% zoom (a 1280-pixel screen seen as 640) nothing scrolls sideways
    but the Languages table, which scrolls in a region of its own."""
    context = browser.new_context(viewport={"width": 640, "height": 800}, device_scale_factor=2)
    page = context.new_page()
    for path in ("/", "/batch", "/languages"):
        page.goto(server + path)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), path
    context.close()


def test_a_language_whose_font_is_being_prepared_says_so_instead_of_waiting(tmp_path, browser):
    with _serving(tmp_path, env={"HANDOUTS_FONTS_DIR": str(tmp_path / "fonts")}) as url:  # no font prepared yet
        page = browser.new_page()
        page.goto(url + "/")
        note = page.get_by_role("status").filter(has_text="Fonts are still being prepared for:")
        assert "Japanese" in note.inner_text()
        page.get_by_label("Drug", exact=True).fill("baclofen")
        page.get_by_label("Language", exact=True).select_option("ja")
        started = time.perf_counter()
        page.get_by_role("button", name="Preview").click()
        assert page.get_by_role("status").filter(has_text="font is still being prepared").count() == 1
        assert time.perf_counter() - started < 10  # an answer now, not a blank minute
        page.close()


def test_the_languages_page_shows_the_last_check(browser, server):
    page = browser.new_page()
    for _ in range(120):  # the check runs in the background from the server's start (a few seconds)
        page.goto(server + "/languages")
        status = page.get_by_role("status").filter(has_text="Checked ").all()
        if status:
            break
        time.sleep(0.5)
    assert status, "no check result after 60 s"
    text = status[0].inner_text()
    assert re.search(r": 0 errors, \d+ warnings\.$", text), text
    assert page.get_by_text("warning: locales/es/LC_MESSAGES/web.po:1: the web page's translation not yet "
                            "reviewed").count() == 1
    page.get_by_role("button", name="Check again").click()
    assert page.url == server + "/languages"
    page.close()


def test_a_handout_can_be_made_with_the_keyboard_alone(browser, server):
    page = browser.new_page()
    page.goto(server + "/")
    page.keyboard.press("Tab")  # the skip link comes first, and shows itself
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to the main part"
    page.keyboard.press("Enter")
    for _ in range(10):  # to the Drug field, through the page's own order
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "drug":
            break
    assert page.evaluate("() => document.activeElement.id") == "drug"
    page.keyboard.type("naltrexone")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "lang"
    page.keyboard.type("Esp")  # a list is chosen from by typing the start of a name
    assert page.get_by_label("Language", exact=True).input_value() == "es"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.id") == "drug"
    page.keyboard.press("Enter")  # Enter in a field submits the form with its first button: Preview
    page.get_by_role("img", name=re.compile(r"^Page 1 of \d+$")).wait_for()
    page.close()


def test_a_name_no_font_can_print_is_an_error_beside_its_field(page, server):
    _make(page, server, **{"Patient name": "Ana 😀"})
    page.get_by_role("button", name="Preview").click()
    field = page.get_by_label("Patient name", exact=True)
    assert field.get_attribute("aria-invalid") == "true"
    message = page.locator(f"#{field.get_attribute('aria-describedby')}").inner_text()
    assert message.startswith("the character U+1F600 GRINNING FACE cannot be printed") and "Ana" not in message
    assert page.get_by_role("img").count() == 0  # nothing was made
