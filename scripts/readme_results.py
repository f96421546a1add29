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

A second block, between <!-- architectures:begin --> and <!-- architectures:end -->, is made the same way from
the architectures experiment's sections, one per environment (default docs/results/architectures/*/architectures.md,
which `imitate experiment architectures --env ENV --out docs/results/architectures/ENV` writes): the command that
produced each, its "Which representation wins where" paragraph (worded by the code from the paired comparisons)
and its table. It is checked and rewritten with the first, when README.md holds its markers.

Usage: python3 scripts/readme_results.py [--report docs/results/REPORT.md --report ...] [--architectures DIR] [--readme README.md]
       [--commit C] [--arch-commit C] [--check]
"""
import glob
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


ARCH_BEGIN, ARCH_END = "<!-- architectures:begin -->", "<!-- architectures:end -->"
ARCH_ENVS = ["pendulum", "push", "reacher"]  # the order the block lists them in; others follow by name


def architectures_block(arch_dir, commit):
    files = glob.glob(os.path.join(arch_dir, "*", "architectures.md"))
    order = {e: i for i, e in enumerate(ARCH_ENVS)}
    files.sort(key=lambda f: (order.get(os.path.basename(os.path.dirname(f)), len(order)), f))
    if not files:
        raise SystemExit(f"readme_results: no {arch_dir}/*/architectures.md")
    out = [ARCH_BEGIN, "", f"From the architectures sections below, each produced by the command it names, at commit {commit}.", ""]
    for path in files:
        with open(path, encoding="utf-8") as f:
            body = f.read().split("\n")
        rel = os.path.relpath(path, os.path.dirname(os.path.abspath(args.readme)) or ".")
        blocks = list(paragraphs(body))
        wins = next((b for b in blocks if b[0].startswith("**Which representation wins where")), None)
        table = next((b for b in blocks if b[0].startswith("|")), None)
        produced = next((b for b in blocks if b[0].startswith("**Produced by")), None)
        if not (wins and table and produced):
            raise SystemExit(f"readme_results: {path} lacks the wins paragraph, the table or the Produced-by line")
        command = re.match(r"\*\*Produced by\*\* (`[^`]*`)", produced[0])
        out += wins + [""] + table + [""]
        out += [f"Produced by {command.group(1) if command else '?'}; full section, plots and budgets: [{rel}]({rel}).", ""]
    out.append(ARCH_END)
    return "\n".join(out)


def replace_block(text, begin, end, new, what):
    a, b = text.index(begin), text.index(end) + len(end)
    if args.check:
        old = text[a:b]
        if old != new:
            for n, (x, y) in enumerate(zip(old.split("\n"), new.split("\n") + [""] * 10000)):
                if x != y:
                    sys.exit(f"readme_results: README.md's {what} block differs from its source at block line {n + 1}:\n"
                             f"  README: {x[:120]}\n  source: {y[:120]}\n(run python3 scripts/readme_results.py)")
            sys.exit(f"readme_results: README.md's {what} block is longer than its source's")
    return text[:a] + new + text[b:]


ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--report", action="append", help="a REPORT.md; the first is copied in full, each further one (an "
                "--env run) as its claims and runtime (default: docs/results/REPORT.md, then reacher's and push's)")
ap.add_argument("--readme", default="README.md")
ap.add_argument("--architectures", help="directory of the architectures runs (default: docs/results/architectures "
                "beside the report's directory)")
ap.add_argument("--arch-commit", help="the commit the architectures runs were produced at (default: HEAD)")
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
reports = ", ".join(args.report)
readme = replace_block(readme, BEGIN, END, block_from(args.report, commit), "results")
if args.check:
    print(f"README.md's results match {reports}")
arch_dir = args.architectures or os.path.join(os.path.dirname(args.report[0]) or ".", "architectures")
if readme.count(ARCH_BEGIN) == 1 and readme.count(ARCH_END) == 1:
    a = readme.index(ARCH_BEGIN)
    m = re.search(r"at commit ([0-9a-f]+)\.", readme[a:readme.index(ARCH_END)])
    arch_commit = (m.group(1) if m else "?") if args.check else (args.arch_commit or os.popen("git rev-parse --short HEAD").read().strip())
    readme = replace_block(readme, ARCH_BEGIN, ARCH_END, architectures_block(arch_dir, arch_commit), "architectures")
    if args.check:
        print(f"README.md's architectures block matches {arch_dir}")
if not args.check:
    tmp = args.readme + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(readme)
    os.replace(tmp, args.readme)
    print(f"README.md: results block rewritten from {reports}")
