# One measured OVS Python IDL run for bench/ovsdb-monitor.ts: connect,
# replicate every column of a table, stop after the initial dump.
import json
import re
import sys
import time

import ovs.db.idl
import ovs.poller

remote, schema_path, table = sys.argv[1:4]
t0 = time.monotonic()
helper = ovs.db.idl.SchemaHelper(schema_path)
helper.register_table(table)
idl = ovs.db.idl.Idl(remote, helper)
seqno = idl.change_seqno
while idl.change_seqno == seqno:
    idl.run()
    if idl.change_seqno != seqno:
        break
    poller = ovs.poller.Poller()
    idl.wait(poller)
    poller.block()
ms = (time.monotonic() - t0) * 1000
with open("/proc/self/status") as f:
    hwm = int(re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M).group(1))
print(json.dumps({"ms": ms, "rows": len(idl.tables[table].rows), "hwmKb": hwm}))
idl.close()
