#!/usr/bin/env bash
# Side-by-side codec benchmark: omacp (criterion, crates/omacp-wbxml/benches/codec.rs)
# against libwbxml 0.11 in-process (bench/libwbxml_bench.c), on the spec documents and
# every corpus/*.xml. Needs cargo, a C compiler, libwbxml2-dev (pkg-config libwbxml2)
# and python3. Prints one row per document:
#   bytes = XML size; compile = XML text -> WBXML (string table on);
#   decode = WBXML -> XML text (both decode libwbxml's encoding of the document);
#   omacp = the streaming Encoder/Decoder (reused); model = xml::parse + encode and
#   decode + xml::to_string (same output); ratio = libwbxml time / omacp time;
#   sizes = encoded bytes with / without table.
# Usage: bench/run-codec-bench.sh [N]   (N = libwbxml repetitions per document, default 500)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=$target/codec-bench
n=${1:-500}
rm -rf "$work"
mkdir -p "$work/docs"

# pkg-config's --libs for libwbxml2 0.11 carries a broken relative -L; -lwbxml2 suffices.
cc -O2 -o "$work/libwbxml_bench" "$root/bench/libwbxml_bench.c" $(pkg-config --cflags libwbxml2) -lwbxml2

(cd "$root" && OMACP_BENCH_DOCS="$work/docs" CARGO_TARGET_DIR="$target" \
    cargo bench -q -p omacp-wbxml --bench codec -- --noplot >"$work/criterion.log" 2>&1) || {
    cat "$work/criterion.log"
    exit 1
}
"$work/libwbxml_bench" "$n" "$work"/docs/*.xml >"$work/libwbxml.tsv"

python3 - "$target/criterion" "$work/docs" "$work/libwbxml.tsv" <<'PY'
import json, os, sys
crit, docs, libtsv = sys.argv[1:4]
def ns(group, name):
    p = os.path.join(crit, group, name, "new", "estimates.json")
    with open(p) as f:
        return json.load(f)["mean"]["point_estimate"]
ours = {}
with open(os.path.join(docs, "sizes.tsv")) as f:
    next(f)
    for line in f:
        name, t, n = line.split("\t")
        ours[name] = (int(t), int(n))
rows = []
with open(libtsv) as f:
    for line in f:
        name, c, d, lt, ln = line.rstrip("\n").split("\t")
        name = name[:-4] if name.endswith(".xml") else name
        xml_bytes = os.path.getsize(os.path.join(docs, name + ".xml"))
        oc, od = ns("compile", name) / 1000, ns("decode", name) / 1000
        mc, md = ns("model-compile", name) / 1000, ns("model-decode", name) / 1000
        lc, ld = float(c) / 1000, float(d) / 1000
        rows.append((name, xml_bytes, oc, mc, lc, od, md, ld, ours[name], (int(lt), int(ln))))
hdr = f"{'document':30} {'XML B':>5} | {'compile µs':>10} {'model':>6} {'libwbxml':>8} {'ratio':>5} | {'decode µs':>9} {'model':>6} {'libwbxml':>8} {'ratio':>5} | {'size ours':>9} {'libwbxml':>9}"
print(hdr)
print("-" * len(hdr))
tc = tm = tl = td = tdm = tld = 0.0
for name, xb, oc, mc, lc, od, md, ld, (ot, on), (lt, ln) in rows:
    print(f"{name[:30]:30} {xb:5} | {oc:10.2f} {mc:6.1f} {lc:8.1f} {lc/oc:4.0f}x | {od:9.2f} {md:6.1f} {ld:8.1f} {ld/od:4.0f}x | {ot:4}/{on:<4} {lt:4}/{ln:<4}")
    tc += oc; tm += mc; tl += lc; td += od; tdm += md; tld += ld
print("-" * len(hdr))
print(f"{'total':30} {'':5} | {tc:10.1f} {tm:6.0f} {tl:8.0f} {tl/tc:4.0f}x | {td:9.1f} {tdm:6.0f} {tld:8.0f} {tld/td:4.0f}x |")
print(f"model path vs libwbxml: compile {tl/tm:.0f}x, decode {tld/tdm:.0f}x")
print("sizes: encoded bytes with string table / without (omacp never larger than libwbxml)")
PY
