#!/usr/bin/env python3
"""Copies the results of one `imitate experiment all` run into README.md, so no number there is typed by hand.

README.md's Results section holds a block between the markers
    <!-- results:begin -->  and  <!-- results:end -->
made from REPORT.md (default docs/results/REPORT.md): the line that produced it, then for every experiment its
heading, its first paragraph (the lesson, with the computed numbers), its bold-headed paragraphs and lists (the
paired per-seed comparisons and their verdicts, worded by the code) and its first table, all verbatim, with a
link to the full section. `--check` exits 1 (naming the first differing line) when README.md's block is not
what REPORT.md gives, which tests/test_docs.sh runs.

Usage: python3 scripts/readme_results.py [--report docs/results/REPORT.md] [--readme README.md] [--check]
"""
import argparse
import os
import re
import sys

BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def paragraphs(lines):
    """Blocks of consecutive non-blank lines."""
    block = []
    for line in lines:
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def block_from(report_path, commit):
    with open(report_path, encoding="utf-8") as f:
        text = f.read()
    rel = os.path.relpath(report_path, os.path.dirname(os.path.abspath(args.readme)) or ".")
    produced = re.search(r"^Produced by (.*? on \d+ thread\(s\))", text, re.M)
    if not produced:
        raise SystemExit(f"readme_results: {report_path} has no 'Produced by' line")
    out = [BEGIN, "", f"From [`{rel}`]({rel}), produced by {produced.group(1).rstrip('.')} at commit {commit}.", ""]
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    for sec in sections:
        title, *body = sec.split("\n")
        if title.strip() == "Runtime":
            runtime = next((b for b in paragraphs(body) if b[0].startswith("|")), None)
            if runtime:
                out += ["**Runtime**", ""] + runtime + [""]
            continue
        blocks = list(paragraphs(body))
        out += [f"#### {title.strip()}", ""]
        # the lesson (the first paragraph), every bold-headed paragraph but the budgets and the command (the
        # computed statements: early growth, the unit of replication, the clip, ...), every list (the paired
        # comparisons and their verdicts), then the main table
        prose = next((b for b in blocks if not b[0].startswith(("|", "!", "**", "- "))), None)
        if prose:
            out += prose + [""]
        for b in blocks:
            if b[0].startswith("- ") or (b[0].startswith("**") and not b[0].startswith(("**Budgets", "**Produced"))):
                out += b + [""]
        table = next((b for b in blocks if b[0].startswith("|")), None)
        if table:
            out += table + [""]
        anchor = re.sub(r"[^a-z0-9 -]", "", title.strip().lower()).replace(" ", "-")
        out += [f"Full section, plots and budgets: [{rel}#{anchor}]({rel}#{anchor}).", ""]
    out.append(END)
    return "\n".join(out)


ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--report", default="docs/results/REPORT.md")
ap.add_argument("--readme", default="README.md")
ap.add_argument("--check", action="store_true")
ap.add_argument("--commit", help="the commit the report was produced at (default: HEAD)")
args = ap.parse_args()
with open(args.readme, encoding="utf-8") as f:
    readme = f.read()
if readme.count(BEGIN) != 1 or readme.count(END) != 1:
    sys.exit(f"readme_results: {args.readme} must hold one {BEGIN} and one {END}")
a, b = readme.index(BEGIN), readme.index(END) + len(END)
if args.check:  # the commit the block was made at, as README.md records it
    m = re.search(r"at commit ([0-9a-f]+)\.", readme[a:b])
    commit = m.group(1) if m else "?"
else:  # the commit the report was produced at: HEAD, unless --commit says otherwise
    commit = args.commit or os.popen("git rev-parse --short HEAD").read().strip()
new = block_from(args.report, commit)
if args.check:
    old = readme[a:b]
    if old != new:
        for n, (x, y) in enumerate(zip(old.split("\n"), new.split("\n") + [""] * 10000)):
            if x != y:
                sys.exit(f"readme_results: README.md's results differ from {args.report} at block line {n + 1}:\n"
                         f"  README: {x[:120]}\n  report: {y[:120]}\n(run python3 scripts/readme_results.py)")
        sys.exit("readme_results: README.md's results block is longer than the report's")
    print(f"README.md's results match {args.report}")
else:
    tmp = args.readme + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(readme[:a] + new + readme[b:])
    os.replace(tmp, args.readme)
    print(f"README.md: results block rewritten from {args.report}")
