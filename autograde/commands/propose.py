"""`pset3 map DIR [DIR...]`: for the staff to review, the pset3.toml lines that would map each submission's
missing contract names to its likeliest definitions (`autograde.worker.suggest`). Nothing is mapped for grading
here: a mapping counts only once a student or the staff has written it in the submission's pset3.toml.

Each entry of DIR is one submission, as for `pset3 grade` (`grade.submissions`). Each one is loaded in a
fresh interpreter of its own (`python -m autograde.commands.propose SUBMISSION RESULT_JSON`), NOT in the sandbox:
its top-level statements run with the permissions of whoever runs `pset3 map`, each under a short budget
(they are still run as grading runs them, "Restart and Run All, and keep going"). The sandbox offers no
way to list a submission's definitions, hence this; run it only where running the submissions' code is
acceptable, as when opening their notebooks yourself. No model is built either, so the ranking is static:
kind, signature, base class, name, and a model's parameter count where its source tells it exactly
(`suggest.source_counts`: nn.Linear(1024, 100) and the like, read, not run).

Per submission it prints a proposed pset3.toml: the existing lines that still resolve, then a line for
each missing name (a comment where no definition is likely). `--write` writes it to
DIR/<submission>.pset3.toml.proposed (never to pset3.toml; `pset3 grade` skips these files) where there is
something to propose, and removes an earlier run's proposal where there no longer is.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograde.batch.grade import PROPOSED_SUFFIX, submissions
from autograde.batch.specrun import thread_env
from autograde.common.layout import PACKAGE_DIR

STATEMENT_SECONDS = 5.0  # one top-level statement's budget when loading for `pset3 map`
LOAD_SECONDS = 30.0  # one file's (default of --load-timeout)
CLEAR = 0.1  # a definition that fits one missing name this much better than another is proposed for that one only
TIE = 0.05  # autograde.worker.suggest's: a candidate this close to the one proposed is named beside it
START_SECONDS = 90.0  # importing torch and Lightning in the fresh interpreter, on a slow shared machine


def analyse(path: Path, load_seconds: float = LOAD_SECONDS) -> dict[str, Any]:
    """Load one submission here and rank candidates for each missing contract name, as plain data."""
    from autograde.common.contract import CONTRACT
    from autograde.common.errors import SubmissionProblem
    from autograde.worker import suggest
    from autograde.worker.execution import Budget
    from autograde.worker.loading import load_path
    from autograde.worker.serve import BlockReference, preload

    preload()  # torch and Lightning first, as the worker does: their imports are not the submission's budget
    sys.meta_path.insert(0, BlockReference())  # as in grading: a submission may not import the reference
    try:
        submission = load_path(path, Budget(min(STATEMENT_SECONDS, load_seconds), load_seconds))
    except (ValueError, OSError) as exc:  # not a submission at all (pset3 grade fails it closed with the same)
        return {"failed": str(exc)}
    items = suggest.definitions(submission.files)
    counts = suggest.counts_from_source(path, submission.files, items)  # read: no model is built outside the sandbox
    kept: dict[str, str] = {}
    missing: dict[str, str] = {}  # name -> why it counts as missing ("" when it is simply not defined)
    taken: list[object] = []
    for c in CONTRACT:
        if c.name in submission.mapping:
            try:
                taken.append(submission.resolve(c.name))
                kept[c.name] = submission.mapping[c.name]
            except SubmissionProblem as exc:
                missing[c.name] = exc.message
        elif not any(c.name in f.namespace for f in submission.files):
            missing[c.name] = ""
    proposals = {}
    for name, why in missing.items():
        found = suggest.suggest(name, items, taken=taken, counts=counts)
        proposals[name] = {"why": why, "candidates": [{"line": s.line, "spec": s.spec, "description": s.description,
                                                        "score": round(s.score, 3)} for s in found]}
    return {"files": [f.name for f in submission.files], "single_file": path.is_file(),
            "errors": [e.message for e in submission.import_errors], "notes": submission.notes,
            "defined": submission.defined(), "kept": kept, "missing": proposals}


def analyse_apart(path: Path, load_seconds: float = LOAD_SECONDS) -> dict[str, Any]:
    """`analyse` in a fresh interpreter (a submission's modules, sys.path entries and crashes stay there);
    {"failed": reason} where it ends without an answer."""
    from autograde.worker.execution import DEFINITIONS_GRACE
    from autograde.worker.loading import SOURCES

    files = sum(1 for p in path.iterdir() if p.suffix in SOURCES) if path.is_dir() else 1
    limit = START_SECONDS + max(files, 1) * (load_seconds + DEFINITIONS_GRACE)  # start-up, each file's budgets
    with tempfile.TemporaryDirectory(prefix="pset3-map-") as tmp:
        result = Path(tmp) / "result.json"
        work = Path(tmp) / "work"  # its working folder: whatever the submission writes lands here
        work.mkdir()
        env = thread_env(1)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_DIR), env.get("PYTHONPATH")]))
        proc = subprocess.Popen([sys.executable, "-m", "autograde.commands.propose", str(path.resolve()), str(result),
                                 str(load_seconds)], cwd=work, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return {"failed": f"loading it took over {limit:g} s"}
        finally:
            if proc.poll() is None:  # anything left of its process group
                os.killpg(proc.pid, signal.SIGKILL)
        try:
            return json.loads(result.read_text())
        except (OSError, ValueError):
            tail = output.decode(errors="replace")[-600:]
            return {"failed": f"loading it ended with {proc.returncode} and no answer: {tail}"}


def choose(missing: dict[str, Any]) -> dict[str, tuple[dict[str, Any] | None, list[dict[str, Any]], str]]:
    """For each missing name: (the candidate to propose or None, the others as likely, the name that a
    candidate it was denied fits clearly better, or ""). A definition that fits another missing name better
    by CLEAR or more goes to that one only (a model whose parameter count is CifarNet's is not MLPNet's);
    one that fits two names about as well is proposed for both, for the staff to choose."""
    scores: dict[str, list[tuple[float, str]]] = {}
    for name, proposal in missing.items():
        for c in proposal["candidates"]:
            scores.setdefault(c["spec"], []).append((c["score"], name))
    chosen = {}
    for name, proposal in missing.items():
        open_, denied = [], ""
        for c in proposal["candidates"]:
            better = [other for score, other in sorted(scores[c["spec"]], reverse=True)
                      if other != name and score - c["score"] >= CLEAR]
            if better:
                denied = denied or better[0]
            else:
                open_.append(c)
        pick = open_[0] if open_ else None
        alike = [c for c in open_[1:] if pick["score"] - c["score"] <= TIE]
        chosen[name] = (pick, alike, "" if pick else denied)
    return chosen


def render(name: str, analysis: dict[str, Any]) -> str:
    """The proposed pset3.toml of one submission, for review: comments say where each line comes from."""
    lines = [f"# pset3 map's proposal for {name}: review it, then save what you keep as its pset3.toml.",
             "# Grades use only what a pset3.toml says: nothing here counts until someone writes it there."]
    if "failed" in analysis:
        return "\n".join([*lines, f"# nothing proposed: {analysis['failed']}"]) + "\n"
    if analysis["single_file"]:
        lines.append(f"# {name} is a single file: a pset3.toml applies once it and the file are one folder.")
    lines += [f"# could not load: {error}" for error in analysis["errors"]]
    lines += [f"# note: {note}" for note in analysis["notes"]]
    for contract_name, spec in analysis["kept"].items():
        lines.append(f"{contract_name} = {json.dumps(spec, ensure_ascii=False)}  # already in pset3.toml")
    chosen = choose(analysis["missing"])
    twice = Counter(pick["spec"] for pick, _, _ in chosen.values() if pick is not None)
    unlikely = [n for n, (pick, _, denied) in chosen.items() if pick is None and not denied]
    if unlikely:
        lines.append(f"# missing, and no definition of it is likely: {', '.join(unlikely)} "
                     f"(it defines: {', '.join(analysis['defined']) or 'nothing'})")
    for contract_name, proposal in analysis["missing"].items():
        if proposal["why"]:
            lines.append(f"# {contract_name}: {proposal['why']}")
        pick, alike, denied = chosen[contract_name]
        if pick is None:
            if denied:
                lines.append(f"# {contract_name}: missing; its likeliest definition fits {denied} better")
            continue
        note = f"{pick['spec']}: {pick['description']}"
        if twice[pick["spec"]] > 1:
            others = [n for n, (c, _, _) in chosen.items() if n != contract_name and c and c["spec"] == pick["spec"]]
            note += f"; also proposed for {', '.join(others)}: keep one"
        if alike:
            note += "; as likely: " + ", ".join(f"{c['spec']} ({c['description']})" for c in alike)
        lines.append(f"{pick['line']}  # {note}")
    if not analysis["missing"]:
        lines.append("# every contract name is defined or mapped: nothing to propose")
    return "\n".join(lines) + "\n"


def map_folders(folders: list[Path], write: bool = False, load_seconds: float = LOAD_SECONDS,
                say: Callable[[str], None] = print) -> None:
    """`pset3 map` on folders of submissions: each submission's proposal, printed, and with `write` saved beside
    it (an earlier one removed where there is nothing to propose now)."""
    for folder in folders:
        for entry in submissions(folder):
            analysis = analyse_apart(entry, load_seconds)
            text = render(entry.name, analysis)
            say(f"== {folder / entry.name} ==\n{text}")
            target = folder / f"{entry.name}{PROPOSED_SUFFIX}"
            if write and (analysis.get("missing") or "failed" in analysis):
                target.write_text(text)
                say(f"wrote {target}\n")
            elif write and target.exists():  # an earlier run's proposal, now out of date
                target.unlink()
                say(f"removed {target}: nothing to propose now\n")


# python -m autograde.commands.propose SUBMISSION RESULT_JSON LOAD_SECONDS (analyse_apart's child)
if __name__ == "__main__":
    submission_path, result_path, seconds = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
    answer = json.dumps(analyse(submission_path, seconds))
    result_path.write_text(answer)
    sys.stdout.flush()
    os._exit(0)  # threads or atexit hooks a submission left behind do not keep this process alive
