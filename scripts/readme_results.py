#!/usr/bin/env python3
"""Copies the results of `imitate experiment all` runs into README.md, so no number there is typed by hand.

README.md's Results section holds a block between the markers
    <!-- results:begin -->  and  <!-- results:end -->
made from the first report (default docs/results/REPORT.md, pendulum and point mass): the line that produced it,
then for every section its heading, its first paragraph (the lesson, with the computed numbers), its bold-headed
paragraphs and lists (the paired per-seed comparisons and their verdicts, worded by the code) and its first table,
all verbatim, with a link to the full section. Each further report (default docs/results/reacher/REPORT.md and
docs/results/push/REPORT.md, the MuJoCo robots) adds, under a heading naming its environment, the line that
produced it, its runtime table, its closing list of which of the seed's claims held, and a link to every
section. `--check` exits 1 (naming the first differing line) when README.md's block is not what the reports
give, which tests/test_docs.sh runs.

Usage: python3 scripts/readme_results.py [--report docs/results/REPORT.md --report ...] [--readme README.md] [--check]
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


CLAIMS = "Which of the seed's claims held"


def anchor_of(title):
    return re.sub(r"[^a-z0-9 -]", "", title.strip().lower()).replace(" ", "-")


def read_report(report_path):
    """(text, path relative to the README, the 'Produced by' command, the sections as (title, body lines))."""
    with open(report_path, encoding="utf-8") as f:
        text = f.read()
    rel = os.path.relpath(report_path, os.path.dirname(os.path.abspath(args.readme)) or ".")
    produced = re.search(r"^Produced by (.*? on \d+ thread\(s\))", text, re.M)
    if not produced:
        raise SystemExit(f"readme_results: {report_path} has no 'Produced by' line")
    sections = []
    for sec in re.split(r"^## ", text, flags=re.M)[1:]:
        title, *body = sec.split("\n")
        sections.append((title.strip(), body))
    return rel, produced.group(1).rstrip("."), sections


def further_block(report_path, commit):
    """A further report: its environment, command, runtime, the claims that held, links to the sections."""
    rel, produced, sections = read_report(report_path)
    env = re.search(r"--env (\S+)", produced)
    if not env:
        raise SystemExit(f"readme_results: {report_path} was not produced with --env (a further report names its env)")
    out = [f"### On `{env.group(1).rstrip('`')}`", "", f"From [`{rel}`]({rel}), produced by {produced} at commit {commit}.", ""]
    links = []
    for title, body in sections:
        blocks = list(paragraphs(body))
        if title == "Runtime":
            runtime = next((b for b in blocks if b[0].startswith("|")), None)
            if runtime:
                out += ["**Runtime**", ""] + runtime + [""]
        elif title == CLAIMS:
            out += [f"**{CLAIMS}**", ""]
            for b in blocks:
                out += b + [""]
        else:
            links.append(f"[{title}]({rel}#{anchor_of(title)})")
    if not any(t == CLAIMS for t, _ in sections):
        raise SystemExit(f"readme_results: {report_path} has no '{CLAIMS}' section")
    out += ["Sections, with every table and plot: " + "; ".join(links) + ".", ""]
    return out


def block_from(report_paths, commit):
    rel, produced, sections = read_report(report_paths[0])
    out = [BEGIN, "", f"From [`{rel}`]({rel}), produced by {produced} at commit {commit}.", ""]
    for title, body in sections:
        if title == "Runtime":
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
        anchor = anchor_of(title)
        out += [f"Full section, plots and budgets: [{rel}#{anchor}]({rel}#{anchor}).", ""]
    for path in report_paths[1:]:
        out += further_block(path, commit)
    out.append(END)
    return "\n".join(out)


ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--report", action="append", help="a REPORT.md; the first is copied in full, each further one (an "
                "--env run) as its claims and runtime (default: docs/results/REPORT.md, then reacher's and push's)")
ap.add_argument("--readme", default="README.md")
ap.add_argument("--check", action="store_true")
ap.add_argument("--commit", help="the commit the report was produced at (default: HEAD)")
args = ap.parse_args()
if not args.report:
    args.report = ["docs/results/REPORT.md", "docs/results/reacher/REPORT.md", "docs/results/push/REPORT.md"]
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
reports = ", ".join(args.report)
if args.check:
    old = readme[a:b]
    if old != new:
        for n, (x, y) in enumerate(zip(old.split("\n"), new.split("\n") + [""] * 10000)):
            if x != y:
                sys.exit(f"readme_results: README.md's results differ from {reports} at block line {n + 1}:\n"
                         f"  README: {x[:120]}\n  report: {y[:120]}\n(run python3 scripts/readme_results.py)")
        sys.exit("readme_results: README.md's results block is longer than the report's")
    print(f"README.md's results match {reports}")
else:
    tmp = args.readme + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(readme[:a] + new + readme[b:])
    os.replace(tmp, args.readme)
    print(f"README.md: results block rewritten from {reports}")
