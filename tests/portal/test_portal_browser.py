"""The whole cycle in a real browser (Debian's Chromium driven by Playwright): a provider registers
a product, a reviewer approves it, the provider records a contract, the enterprise applies for a
voucher after its dry run, the reviewer issues it, the enterprise uploads evidence and claims, the
reviewer reads the evidence inline and approves, publicity ends, finance builds a batch that another
person approves, downloads the bank file and reconciles the bank statement; the enterprise sees its
claim paid and downloads the settlement statement. Screenshots of the main pages go to
``var/screenshots/`` (phone width too).

Runs on SQLite only, against a server on a free port in a thread. Skipped, with the reason, when
Chromium is not at /usr/bin/chromium (``scripts/test.sh`` installs it as root) or Playwright is
missing."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import threading
from pathlib import Path

import pytest

from kernel import clock
from tests.portal.support import PASSWORD
from tests.support.world import World, auth

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"no Chromium at {CHROMIUM}: run scripts/test.sh as root "
                                       "(apt-get install chromium fonts-noto-cjk) to enable the browser tests")
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def _documents() -> dict[str, tuple[str, bytes]]:
    """A real PDF, PNG and JPEG, so the reviewer's inline view shows something."""
    from PIL import Image, ImageDraw
    from reportlab.pdfgen import canvas
    pdf = io.BytesIO()
    c = canvas.Canvas(pdf, pagesize=(400, 200))
    c.drawString(40, 120, "INVOICE No. 2026-0001   Amount: 150,000.00")
    c.save()
    out = {"invoice": ("发票.pdf", pdf.getvalue())}
    for kind, fmt, name, colour in (("payment_proof", "PNG", "付款凭证.png", (200, 230, 255)),
                                    ("acceptance_report", "JPEG", "验收报告.jpg", (230, 255, 200))):
        img = Image.new("RGB", (320, 160), colour)
        ImageDraw.Draw(img).text((20, 70), f"{kind} 2026", fill=(0, 0, 0))
        buf = io.BytesIO()
        img.save(buf, fmt)
        out[kind] = (name, buf.getvalue())
    return out


@pytest.fixture
def server(tmp_path):
    from werkzeug.serving import make_server

    from yunquan.app import create_app
    from yunquan.db import UowFactory, make_engine
    from yunquan.schema import upgrade
    engine = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    upgrade(engine)
    app = create_app({"ENGINE": engine, "DATABASE_URL": str(engine.url), "EVIDENCE_DIR": str(tmp_path / "evidence"),
                      "ID_KEY_FILE": str(tmp_path / "id.key"), "SECRET_KEY": "browser-test",
                      "LEDGER_ANCHORS": str(tmp_path / "anchors.jsonl")})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{httpd.server_port}", UowFactory(engine)
    httpd.shutdown()
    clock.set_clock(None)
    engine.dispose()


def _cast(app, factory):
    from yunquan import passwords
    world = World(factory)
    authority = world.org("authority", city="广州", name="广东省工业和信息化厅")
    provider = world.org("provider", city="广州", provider_class="national_platform", name="粤云工业互联网平台")
    enterprise = world.org("enterprise", city="佛山", name="佛山陶瓷智造有限公司")
    names = {}
    for username, role, org in (("provider1", "provider", provider), ("enterprise1", "enterprise", enterprise),
                                ("reviewer1", "reviewer", authority), ("maker1", "finance_maker", authority),
                                ("checker1", "finance_checker", authority)):
        user_id, _ = world.user(role, org, username=username)
        with factory() as uow:
            passwords.set_password(uow, user_id=user_id, password=PASSWORD)
        names[role] = username
    admin = world.token("admin")
    year = clock.today().year
    r = app.test_client().post("/api/v1/schemes", headers=auth(admin), json={
        "kind": "cloud", "name": f"{year}年上云上平台服务券", "year": year, "budget": "10000000.00",
        "apply_from": f"{year}-01-01", "apply_to": f"{year}-12-31", "redeem_from": f"{year}-01-01",
        "redeem_to": f"{year + 1}-06-30"})
    assert r.status_code == 201, r.json
    return names, r.json["id"]


def test_the_whole_cycle_from_a_new_product_to_a_reconciled_payout(server):
    app, base, factory = server
    names, scheme_id = _cast(app, factory)
    SHOTS.mkdir(parents=True, exist_ok=True)
    today = clock.today()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--lang=zh-CN"])
        ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", accept_downloads=True)
        page = ctx.new_page()
        page.set_default_timeout(10_000)

        def shot(name: str, full: bool = True):
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)

        def login(role: str):
            page.goto(f"{base}/login")
            page.fill("#username", names[role])
            page.fill("#password", PASSWORD)
            page.click("button:has-text('登录')")
            page.wait_for_load_state()

        def logout():
            page.click("header button:has-text('退出')")
            page.wait_for_load_state()

        def flash_ok() -> str:
            return page.locator(".flash").first.inner_text()

        # --- the provider registers a product with its subsidy standard, previewed for a sample quantity
        page.goto(f"{base}/login")
        shot("login")
        login("provider")
        page.goto(f"{base}/provider/products/new")
        page.fill("#name", "边缘计算MEC服务器")
        page.select_option("#item_kind", "mec_server")
        page.fill("#unit_price", "150000.00")
        page.fill("#valid_from", f"{today.year}-01-01")
        page.fill("#valid_to", f"{today.year + 1}-12-31")
        page.fill("#scenario", "陶瓷窑炉数据就近处理")
        page.fill("#modules", "边缘计算\n数据采集")
        page.fill("#expected_effect", "时延降低，能耗下降")
        page.select_option("#standard_kind", "ratio")
        page.fill("#rate", "0.30")
        page.fill("#cap", "40000.00")
        page.fill("#sample_quantity", "1")
        page.click("#preview-button")
        preview = page.locator("[data-testid=preview]")
        preview.wait_for()
        assert "40,000.00 元" in preview.inner_text() and "已封顶" in preview.inner_text()
        shot("provider-product-form")
        page.click("button:has-text('保存草稿')")
        assert "已保存为草稿" in flash_ok()
        page.click("button:has-text('提交审核')")
        assert "已提交审核" in flash_ok()
        assert "待审核" in page.locator("table").inner_text()
        shot("provider-products")
        logout()

        # --- the reviewer approves it
        login("reviewer")
        page.goto(f"{base}/review/products")
        assert "边缘计算MEC服务器" in page.inner_text("main")
        shot("review-products")
        page.click("button:has-text('通过')")
        assert "已通过" in flash_ok()
        logout()

        # --- the provider records a contract with the enterprise
        login("provider")
        page.goto(f"{base}/provider/contracts")
        page.select_option("#product_id_0", index=1)
        page.fill("#quantity_0", "1")
        page.fill("#unit_price_0", "150000.00")
        page.click("button:has-text('登记合同')")
        assert "150,000.00 元" in flash_ok()
        shot("provider-contracts")
        logout()

        # --- the enterprise sees the face value with its breakdown before it applies
        login("enterprise")
        assert page.url.endswith("/enterprise")
        page.click("button:has-text('试算面值')")
        face = page.locator("[data-testid=face-value]").inner_text()
        assert face == "40,000.00 元"
        shot("enterprise-dry-run")
        page.click("button:has-text('确认申领')")
        assert "已预留，待审核" in flash_ok()
        voucher_url = page.url
        logout()

        # --- the reviewer issues the voucher
        login("reviewer")
        page.goto(f"{base}/review/vouchers")
        shot("review-vouchers")
        page.click("button:has-text('发放')")
        assert "已发放" in flash_ok()
        logout()

        # --- the enterprise uploads its evidence and claims
        login("enterprise")
        page.goto(voucher_url)
        for kind, (filename, content) in _documents().items():
            page.select_option("#kind", kind)
            page.set_input_files("#file", files=[{"name": filename, "mimeType": "application/octet-stream",
                                                  "buffer": content}])
            page.click("button:has-text('上传')")
            assert filename in flash_ok()
        page.fill("#invoice_amount", "150000.00")
        page.fill("#paid_amount", "150000.00")
        shot("enterprise-voucher")
        page.click("button:has-text('提交兑付申请')")
        assert "40,000.00 元" in flash_ok()
        assert "审核中" in page.inner_text("main")
        logout()

        # --- the reviewer reads the evidence inline and approves: the claim goes to publicity
        login("reviewer")
        page.goto(f"{base}/review/claims")
        page.click("main td a:has-text('审核')")
        assert page.locator("iframe.evidence").count() == 1 and page.locator("img.evidence").count() == 2
        page.wait_for_load_state("networkidle")
        assert page.locator("img.evidence").evaluate_all("imgs => imgs.map(i => i.naturalWidth)") == [320, 320]
        shot("review-claim")
        # pressed from the keyboard: with Chromium's PDF viewer alive in the iframe, a synthetic mouse
        # click right after load is sometimes hit-tested into the viewer's frame and lost
        page.locator("button:has-text('审核通过')").press("Enter")
        assert "进入公示" in flash_ok()
        logout()
        page.goto(f"{base}/publicity")
        assert "佛山陶瓷智造有限公司" in page.inner_text("main") and "40,000.00 元" in page.inner_text("main")
        shot("publicity")

        # --- publicity ends (a month later); finance builds a batch, another person approves it
        later = dt.datetime.combine(today + dt.timedelta(days=30), dt.time(10), tzinfo=dt.timezone.utc)
        clock.set_clock(lambda: later)
        login("finance_maker")
        page.click("button:has-text('生成支付批次')")
        assert "已生成" in flash_ok()
        batch_url = page.url
        assert page.locator("button:has-text('审批通过')").count() == 0  # the maker cannot approve
        logout()
        login("finance_checker")
        page.goto(batch_url)
        page.click("button:has-text('审批通过')")
        assert "已审批" in flash_ok()
        with page.expect_download() as download:
            page.click("a:has-text('下载银行支付文件')")
        bank_file = Path(download.value.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(bank_file)))
        assert len(rows) == 1 and rows[0]["amount"] in ("40000.00", "40,000.00")
        page.goto(f"{base}/finance")
        assert page.locator(".chart svg circle[data-part=in_transit]").count() >= 2
        shot("finance-home")
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot("phone-finance-home")
        page.set_viewport_size({"width": 1280, "height": 800})

        # --- the bank statement comes back and is reconciled
        statement = ("bank_txn_id,value_date,reference,payee_account,amount\n"
                     f"B0001,{later.date().isoformat()},{rows[0]['reference']},{rows[0]['payee_account']},40000.00\n")
        page.goto(f"{base}/finance/reconcile")
        page.set_input_files("#statement", files=[{"name": "statement.csv", "mimeType": "text/csv",
                                                   "buffer": statement.encode()}])
        page.click("button:has-text('导入并对账')")
        assert "已匹配 1 笔" in page.locator("[data-testid=reconciliation]").inner_text()
        shot("finance-reconciliation")
        logout()

        # --- the enterprise sees the claim paid and downloads its settlement statement
        login("enterprise")
        page.goto(f"{base}/enterprise/claims")
        assert "已支付" in page.locator("table").inner_text()
        shot("enterprise-claims")
        with page.expect_download() as download:
            page.click("a:has-text('下载 PDF')")
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

        # --- phone width: the page fits, wide tables scroll inside their box
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot("phone-enterprise-claims")
        page.goto(f"{base}/enterprise")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot("phone-enterprise-home")
        browser.close()
