#!/usr/bin/env python3
"""BCubed precision and recall of kptrace-batch's clusters against corpus/LABELS.tsv.

Usage: labels.py LABELS.tsv REPORTS.json [--report-only | --min-firm P R]
Prints every disagreement (a label split over clusters, a cluster holding several labels)
with the signatures involved, then the scores; exits 1 when a labelled report is missing
from the run or rejected, or when firm labels score below P and R (default 1.0 and 1.0).
"""
import json
import sys
from collections import defaultdict


def bcubed(pairs):
    """pairs: list of (cluster, label); returns (P, R)."""
    n = len(pairs)
    if not n:
        return 1.0, 1.0
    cell = defaultdict(int)
    a = defaultdict(int)
    b = defaultdict(int)
    for k, l in pairs:
        cell[(k, l)] += 1
        a[k] += 1
        b[l] += 1
    p = sum(v * v / a[k] for (k, l), v in cell.items()) / n
    r = sum(v * v / b[l] for (k, l), v in cell.items()) / n
    return p, r


def main():
    labels_path, json_path = sys.argv[1], sys.argv[2]
    labels = {}
    with open(labels_path, encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < len(head) - 1:
                continue
            row = dict(zip(head, cols))
            labels[row["file"]] = row
    with open(json_path, encoding="utf-8") as f:
        run = json.load(f)
    got = {}
    for rep in run["reports"]:
        path = rep["path"]
        for name in labels:
            if path.endswith("/" + name):
                got[name] = rep
    missing = [n for n in labels if n not in got]
    for n in missing:
        print("# not in the run: %s" % n)
    rows = []
    for name, lab in sorted(labels.items()):
        rep = got.get(name)
        if not rep:
            continue
        if rep["status"] == "rejected":
            print("# rejected: %s (%s)" % (name, rep.get("error")))
        rows.append((name, lab, rep.get("signature_id") or "rejected:" + name,
                     rep.get("signature") or "-"))
    # disagreements: a label spread over clusters; a cluster holding labels
    by_label = defaultdict(list)
    by_cluster = defaultdict(list)
    for name, lab, sid, sig in rows:
        by_label[lab["group"]].append((name, sid, sig, lab["confidence"]))
        by_cluster[sid].append((name, lab["group"], sig))
    for group, members in sorted(by_label.items()):
        if len({m[1] for m in members}) > 1:
            print("split  %s (%s):" % (group, members[0][3]))
            for name, sid, sig, _ in members:
                print("    %s  %s\n        %s" % (sid, sig, name))
    for sid, members in sorted(by_cluster.items()):
        if len({m[1] for m in members}) > 1:
            print("merged %s  %s:" % (sid, members[0][2]))
            for name, group, _ in members:
                print("    %s  %s" % (group, name))
    allp, allr = bcubed([(sid, lab["group"]) for _, lab, sid, _ in rows])
    firm = [(sid, lab["group"]) for _, lab, sid, _ in rows if lab["confidence"] == "firm"]
    fp, fr = bcubed(firm)
    f1 = lambda p, r: 2 * p * r / (p + r) if p + r else 0.0
    print("labelled %d reports (%d firm), %d clusters" % (len(rows), len(firm), len(by_cluster)))
    print("all:  BCubed P %.3f R %.3f F %.3f" % (allp, allr, f1(allp, allr)))
    print("firm: BCubed P %.3f R %.3f F %.3f" % (fp, fr, f1(fp, fr)))
    rejected = [name for name, rep in got.items() if rep["status"] == "rejected"]
    if missing or rejected:
        return 1
    if "--report-only" in sys.argv:
        return 0
    minp = minr = 1.0
    if "--min-firm" in sys.argv:
        i = sys.argv.index("--min-firm")
        minp, minr = float(sys.argv[i + 1]), float(sys.argv[i + 2])
    ok = fp >= minp - 1e-9 and fr >= minr - 1e-9
    if not ok:
        print("firm labels below P %.3f R %.3f" % (minp, minr))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
