# bench/hang_baseline.py DIR - the yardstick of the body reader's figure (bench/scale.sh):
# for each watchdog .ips under DIR, json.loads of the header and of the body, the starved
# service from the panic string, and that process's first thread's kernel frames. It does
# less than kptrace-batch (no signature, no images, no outputs).
import json, os, re, sys

n = 0
for root, _, files in os.walk(sys.argv[1]):
    for f in sorted(files):
        with open(os.path.join(root, f)) as fh:
            header = json.loads(fh.readline())
            body = json.loads(fh.read())
        m = re.search(r"no successful checkins from (\S+)", body.get("panicString", ""))
        svc = m.group(1) if m else None
        for pid, p in body.get("processByPid", {}).items():
            if p.get("procname") == svc:
                th = next(iter(p.get("threadById", {}).values()), None)
                if th:
                    print(f, header.get("bug_type"), svc, len(th.get("kernelFrames", [])))
                break
        n += 1
print(n, "reports", file=sys.stderr)
