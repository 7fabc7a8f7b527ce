"""Group-commit spike (issue 15): journals per second on PostgreSQL, one journal per transaction
from 16 threads (what 16 concurrent applications commit) vs one writer committing 16 journals per
transaction (what a writer grouping 16 waiting applications into one commit would do, as
TigerBeetle batches). A figure for the design note, not a design.

    .venv/bin/python bench/group_commit.py
"""
import importlib.util
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
spec = importlib.util.spec_from_file_location("bl", os.path.join(os.path.dirname(__file__), "ledger.py"))
bl = importlib.util.module_from_spec(spec); spec.loader.exec_module(bl)
from benchdb import fresh_database  # noqa: E402
from ledger import service as ledger  # noqa: E402
from yunquan.db import UowFactory, make_engine  # noqa: E402
N = 1600
for group in (1, 16):
    first, drop = fresh_database("postgresql")
    engine = make_engine(first.url.render_as_string(hide_password=False), pool_size=18)
    uowf = UowFactory(engine)
    bl.open_accounts(uowf)
    specs = bl.specs(N)
    t = time.perf_counter()
    if group == 1:
        it = iter(specs); lock = threading.Lock()
        def w():
            while True:
                with lock: s = next(it, None)
                if s is None: return
                uowf.run(lambda u: (ledger.post_batch(u, [s]), u.commit()))
        th = [threading.Thread(target=w) for _ in range(16)]
        [x.start() for x in th]; [x.join() for x in th]
    else:
        for i in range(0, N, group):
            with uowf() as u:
                ledger.post_batch(u, specs[i:i + group]); u.commit()
    el = time.perf_counter() - t
    print(f"{'16 threads, 1 journal per transaction' if group == 1 else 'one writer, 16 journals per transaction'}: {N / el:,.0f} journals/s")
    engine.dispose(); drop()
print("load average", os.getloadavg()[0])
