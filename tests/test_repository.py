"""The repository's structure contract: table of contents, committed notebooks, chapter conventions.

Each chapter in ``chapters/*.ipynb`` is checked on its own (tests are parametrised over the glob),
so a new chapter is covered as soon as its file exists.
"""

import ast
import re
import sys
from collections import Counter
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
# folders that are not pages of the book
NOT_PAGES = {".venv", "_build", ".git", "benchmarks", "tests", ".hypothesis", ".pytest_cache", ".ci",
             ".ipynb_checkpoints", "inal_utils", "inal_utils.egg-info", "_ext", "_static", ".github"}
PAGE_SUFFIXES = (".md", ".ipynb")

chapter_param = pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def read(path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def tags(cell):
    return set(cell.metadata.get("tags", []))


def parse_code(source):
    """AST of a code cell, with IPython magics / shell lines blanked out."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    return ast.parse("\n".join(lines))


CODE_DIRECTIVES = ("{code", "{code-block}", "{code-cell}", "{math}", "{raw}")


def markdown_lines(nb, *, top_level_only=False):
    """(cell index, line) for markdown lines that are MyST text, not code.

    Lines inside fenced code blocks are dropped; lines inside directive fences such as
    ```` ```{prf:theorem} ```` are kept (their body is MyST), unless ``top_level_only``.
    """
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        stack = []  # (fence, body is MyST text)
        for line in cell.source.splitlines():
            m = re.match(r"^\s*(`{3,}|~{3,}|:{3,})\s*(.*)$", line)
            if m:
                fence, info = m.group(1), m.group(2).strip()
                top = stack[-1][0] if stack else None
                if top and not info and fence[0] == top[0] and len(fence) >= len(top):
                    stack.pop()
                    continue
                if fence[0] != ":" or info.startswith("{"):
                    is_text = info.startswith("{") and not info.startswith(CODE_DIRECTIVES)
                    stack.append((fence, is_text))
                    continue
            if top_level_only and stack:
                continue
            if all(text for _, text in stack):
                out.append((i, line))
    return out


def headings(nb):
    """(cell index, level, text) of every ATX section heading in the markdown cells."""
    found = []
    for i, line in markdown_lines(nb, top_level_only=True):
        m = re.match(r"^\s{0,3}(#{1,6})\s+(\S.*)$", line)
        if m:
            found.append((i, len(m.group(1)), m.group(2).strip()))
    return found


def toc_files():
    """Every ``file`` listed in ``_toc.yml`` (root included), in order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return files


def resolve(entry):
    """The file a toc entry points to (``.md`` / ``.ipynb`` added when the entry has no suffix)."""
    path = ROOT / entry
    if path.suffix in PAGE_SUFFIXES:
        return path if path.exists() else None
    matches = [path.with_name(path.name + s) for s in PAGE_SUFFIXES if path.with_name(path.name + s).exists()]
    return matches[0] if len(matches) == 1 else None


def book_pages():
    """Markdown pages and notebooks of the book (everything outside tooling folders, README excluded)."""
    pages = []
    for suffix in PAGE_SUFFIXES:
        for p in ROOT.rglob(f"*{suffix}"):
            rel = p.relative_to(ROOT)
            if rel.parts[0] in NOT_PAGES or any(part in NOT_PAGES for part in rel.parts):
                continue
            if rel.name == "README.md":
                continue
            pages.append(p)
    return sorted(pages)


def page_markdown(path):
    if path.suffix == ".ipynb":
        return "\n".join(c.source for c in read(path).cells if c.cell_type == "markdown")
    return path.read_text()


def bib_keys():
    text = (ROOT / "references.bib").read_text()
    return re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", text)


CITE_RE = re.compile(r"\{cite(?::[a-zA-Z]+)?\}`([^`]*)`")
GLUE_REF_RE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`]*)`")
LABEL_RE = re.compile(r"^\s*:label:\s*(\S+)", re.M)
TARGET_RE = re.compile(r"^\s*\(([^)\s]+)\)=\s*$", re.M)


def chapter_number(path):
    m = re.match(r"(\d+)_", path.name)
    return int(m.group(1)) if m else None


# ------------------------------------------------------------------------------------------------
# table of contents
# ------------------------------------------------------------------------------------------------


def test_toc_lists_exactly_the_chapter_notebooks():
    listed = [f for f in toc_files() if Path(f).parts[0] == "chapters"]
    listed_notebooks = sorted(str(Path(f).with_suffix("")) for f in listed)
    on_disk = sorted(f"chapters/{p.stem}" for p in CHAPTERS)
    assert listed_notebooks == on_disk, (
        f"_toc.yml lists {listed_notebooks} but chapters/ holds {on_disk}"
    )
    for f in listed:
        target = resolve(f)
        assert target is not None and target.suffix == ".ipynb", f"toc entry {f!r} is not a notebook in chapters/"


def test_toc_entries_exist_and_are_unique():
    files = toc_files()
    missing = [f for f in files if resolve(f) is None]
    assert not missing, f"_toc.yml lists files that do not exist (or are ambiguous): {missing}"
    dupes = [f for f, k in Counter(str(Path(f).with_suffix("")) for f in files).items() if k > 1]
    assert not dupes, f"_toc.yml lists these more than once: {dupes}"


def test_toc_has_bibliography_page():
    assert any(Path(f).stem == "bibliography" for f in toc_files())
    assert "{bibliography}" in (ROOT / "bibliography.md").read_text()


def test_chapters_are_numbered():
    for p in CHAPTERS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name), f"{p.name} is not named NN_lower_snake.ipynb"
    numbers = [chapter_number(p) for p in CHAPTERS]
    assert len(set(numbers)) == len(numbers), f"two chapters share a number: {numbers}"


# ------------------------------------------------------------------------------------------------
# committed notebooks
# ------------------------------------------------------------------------------------------------


@chapter_param
def test_notebook_has_no_outputs(path):
    nb = read(path)
    nbformat.validate(nb)
    for i, cell in enumerate(code_cells(nb)):
        assert cell.outputs == [], f"{path.name}: code cell {i} carries outputs (strip them before committing)"
        assert cell.execution_count is None, f"{path.name}: code cell {i} has execution_count {cell.execution_count}"


@chapter_param
def test_notebook_kernel_is_python3(path):
    assert read(path).metadata.get("kernelspec", {}).get("name") == "python3"


@chapter_param
def test_first_code_cell_is_parameters_with_quick_scale(path):
    first = code_cells(read(path))[0]
    assert "parameters" in tags(first), f"{path.name}: first code cell is not tagged 'parameters'"
    body = parse_code(first.source).body
    assert len(body) == 1 and isinstance(body[0], ast.Assign), (
        f"{path.name}: the parameters cell must contain only `scale = \"quick\"`; got {first.source!r}"
    )
    (target,), value = body[0].targets, body[0].value
    assert isinstance(target, ast.Name) and target.id == "scale"
    assert isinstance(value, ast.Constant) and value.value == "quick", f"{path.name}: default scale must be 'quick'"


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            yield node, (f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None)


@chapter_param
def test_setup_cell_seeds_and_creates_claims(path):
    setup = code_cells(read(path))[2]
    names = {name for _, name in _calls(parse_code(setup.source))}
    assert "seed_everything" in names, f"{path.name}: the cell after the install cell must call seed_everything"
    assert "ClaimsTable" in names, f"{path.name}: the cell after the install cell must create claims = ClaimsTable()"


# ------------------------------------------------------------------------------------------------
# the install cell (Colab, a downloaded chapter) and the repository URL
# ------------------------------------------------------------------------------------------------


def config():
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def repository_url_of_config():
    return (config().get("repository") or {}).get("url") or ""


def install_cell(nb):
    return code_cells(nb)[1]


def install_cell_url(source):
    """The string assigned to ``REPOSITORY_URL`` in an install cell (None when there is no such line)."""
    for node in parse_code(source).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["REPOSITORY_URL"]:
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    return None


def run_install_cell(source, monkeypatch, url=None):
    """Execute an install cell as if ``inal_utils`` were missing; return the pip commands it would run."""
    import subprocess

    if url is not None:
        source = re.sub(r'^REPOSITORY_URL = .*$', f"REPOSITORY_URL = {url!r}", source, flags=re.M)
    commands = []
    monkeypatch.setitem(sys.modules, "inal_utils", None)  # `import inal_utils` now raises ModuleNotFoundError
    monkeypatch.setattr(subprocess, "check_call", lambda cmd, *a, **k: commands.append(cmd) or 0)
    exec(compile(source, "<install cell>", "exec"), {})
    return commands


@chapter_param
def test_install_cell_follows_the_parameters(path):
    nb = read(path)
    cell = install_cell(nb)
    assert "remove-cell" in tags(cell), f"{path.name}: the install cell (2nd code cell) must be tagged remove-cell"
    url = install_cell_url(cell.source)
    assert url is not None, (
        f"{path.name}: the 2nd code cell must be the install cell, with REPOSITORY_URL = \"...\" "
        "(copy it from chapter 1)"
    )
    assert url == repository_url_of_config(), (
        f"{path.name}: install cell installs from {url!r} but _config.yml's repository.url is "
        f"{repository_url_of_config()!r}; keep them the same"
    )


@chapter_param
def test_install_cell_is_the_same_in_every_chapter(path):
    reference = install_cell(read(CHAPTERS[0])).source
    assert install_cell(read(path)).source == reference, (
        f"{path.name}: the install cell differs from {CHAPTERS[0].name}'s; copy it verbatim"
    )


def test_install_cell_behaviour(monkeypatch):
    source = install_cell(read(CHAPTERS[0])).source
    with monkeypatch.context() as m:  # inal_utils present: does nothing
        commands = []
        import subprocess
        m.setattr(subprocess, "check_call", lambda cmd, *a, **k: commands.append(cmd) or 0)
        exec(compile(source, "<install cell>", "exec"), {})
        assert commands == []
    with monkeypatch.context() as m:  # missing, no repository: a clear error saying how to install locally
        with pytest.raises(ModuleNotFoundError, match=r"inal_utils.*pip install -r requirements\.txt"):
            run_install_cell(source, m, url="")
    with monkeypatch.context() as m:  # missing, repository set: pip installs from that URL
        commands = run_install_cell(source, m, url="https://example.org/owner/book")
        assert len(commands) == 1 and commands[0][1:4] == ["-m", "pip", "install"]
        assert commands[0][-1] == "inal_utils @ git+https://example.org/owner/book"


def test_buttons_only_with_a_repository():
    """The URL lives in _config.yml only; repository and launch buttons are switched on by _ext/inal_book."""
    cfg = config()
    assert "url" in (cfg.get("repository") or {}), "_config.yml must set repository.url (empty while unpublished)"
    html = cfg.get("html") or {}
    assert html.get("use_download_button") is True
    assert not html.get("use_repository_button") and not html.get("use_issues_button"), (
        "leave use_repository_button/use_issues_button false: _ext/inal_book.py turns them on when the URL is set"
    )
    assert (cfg["sphinx"].get("local_extensions") or {}).get("inal_book") == "_ext"
    others = {str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()
              and not set(p.relative_to(ROOT).parts) & {".venv", "_build", ".git", ".hypothesis", ".pytest_cache"}
              and p.suffix in (".md", ".yml", ".yaml", ".py", ".toml", ".ipynb", ".txt", ".cfg")
              and re.search(r"github\.com/(?!executablebooks)[\w-]+/[\w-]+", p.read_text(errors="ignore"))}
    assert not others - {"_config.yml"}, f"a repository URL is written outside _config.yml: {sorted(others)}"


def _ext_module():
    import importlib

    sys.path.insert(0, str(ROOT / "_ext"))
    try:
        return importlib.import_module("inal_book")
    finally:
        sys.path.remove(str(ROOT / "_ext"))


@pytest.mark.parametrize("url,shown", [("", False), ("https://github.com/executablebooks/jupyter-book", False),
                                       ("https://example.org/owner/book", True)])
def test_extension_shows_buttons_only_with_a_url(url, shown):
    from types import SimpleNamespace

    ext = _ext_module()
    options = {"repository_url": url, "use_repository_button": True, "use_issues_button": True,
               "launch_buttons": {"binderhub_url": "https://mybinder.org", "colab_url": "https://colab.x", "thebe": True}}
    ext.configure_buttons(None, SimpleNamespace(html_theme_options=options))
    assert options["use_repository_button"] is shown and options["use_issues_button"] is shown
    assert bool(options["launch_buttons"]["colab_url"]) is shown and bool(options["launch_buttons"]["binderhub_url"]) is shown
    assert options["repository_url"] == (url if shown else "")


def test_bibliography_labels_are_author_year():
    from pybtex.database import parse_file

    ext = _ext_module()
    entries = parse_file(str(ROOT / "references.bib")).entries
    labels = dict(zip(entries.keys(), ext.AuthorYearLabelStyle().format_labels(entries.values())))
    assert labels["abbe2022initial"] == "Abbe et al. 2022"
    assert labels["odonnell2014analysis"] == "O'Donnell 2014"
    assert labels["cho2009kernel"] == "Cho and Saul 2009"
    assert len(set(labels.values())) == len(labels), "two bibliography entries share a label"
    assert not any(re.search(r"[{}\\]", v) for v in labels.values()), labels
    cfg = config()["sphinx"]["config"]
    assert cfg["bibtex_default_style"] == "inal_author_year" and cfg["bibtex_reference_style"] == "author_year"


@chapter_param
def test_has_hidden_asserted_claim(path):
    hidden = [c for c in code_cells(read(path)) if "remove-cell" in tags(c)]
    checks = [c for c in hidden if any(name == "check" for _, name in _calls(parse_code(c.source)))]
    assert checks, f"{path.name}: no code cell tagged 'remove-cell' asserts a claim with claims.check"


@chapter_param
def test_claims_are_recorded_in_hidden_cells(path):
    for i, cell in enumerate(code_cells(read(path))):
        adds = [n for n, name in _calls(parse_code(cell.source))
                if name in ("check", "record") and isinstance(n.func, ast.Attribute)
                and isinstance(n.func.value, ast.Name) and n.func.value.id == "claims"]
        if adds:
            assert "remove-cell" in tags(cell), f"{path.name}: code cell {i} records a claim but is not tagged remove-cell"


@chapter_param
def test_last_code_cell_displays_claims(path):
    nb = read(path)
    last = code_cells(nb)[-1]
    body = parse_code(last.source).body
    assert len(body) == 1 and isinstance(body[0], ast.Expr), f"{path.name}: last code cell must just display claims"
    value = body[0].value
    shows = (isinstance(value, ast.Name) and value.id == "claims") or (
        isinstance(value, ast.Call) and getattr(value.func, "id", None) == "display"
        and len(value.args) == 1 and getattr(value.args[0], "id", None) == "claims"
    )
    assert shows, f"{path.name}: last code cell is {last.source!r}, expected `claims`"
    h2 = [text for _, level, text in headings(nb) if level == 2]
    assert h2 and h2[-1] == "Claims checked in this chapter", f"{path.name}: last H2 is {h2[-1:]}"


@chapter_param
def test_exactly_one_h1_first_and_no_skipped_levels(path):
    nb = read(path)
    found = headings(nb)
    h1 = [(i, text) for i, level, text in found if level == 1]
    assert len(h1) == 1, f"{path.name}: expected exactly one H1 heading, found {h1}"
    assert nb.cells[0].cell_type == "markdown" and h1[0][0] == 0, f"{path.name}: the H1 must be in the first cell"
    assert found[0][1] == 1, f"{path.name}: the first heading must be the H1"
    for (_, prev, _), (_, level, text) in zip(found, found[1:]):
        assert level <= prev + 1, f"{path.name}: heading {text!r} (H{level}) skips a level after an H{prev}"


@chapter_param
def test_glued_keys_exist_and_are_prefixed(path):
    nb = read(path)
    literal, patterns, dynamic = set(), [], 0
    prefix = f"ch{chapter_number(path)}_"
    for cell in code_cells(nb):
        for node, name in _calls(parse_code(cell.source)):
            if name != "glue" or not node.args:
                continue
            key = node.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                literal.add(key.value)
                assert key.value.startswith(prefix), f"{path.name}: glue key {key.value!r} lacks prefix {prefix!r}"
            elif isinstance(key, ast.JoinedStr):
                parts = [re.escape(v.value) if isinstance(v, ast.Constant) else ".+" for v in key.values]
                patterns.append(re.compile("".join(parts)))
                head = key.values[0]
                assert isinstance(head, ast.Constant) and head.value.startswith(prefix), (
                    f"{path.name}: glue key f-string must start with {prefix!r}"
                )
            else:
                dynamic += 1
    used = set()
    for _, line in markdown_lines(nb):
        for ref in GLUE_REF_RE.findall(line):
            if "::" not in ref:  # "doc::key" refers to another page
                used.add(ref.split(":")[0].strip())
    unknown = sorted(k for k in used if k not in literal and not any(p.fullmatch(k) for p in patterns))
    if unknown and dynamic:
        pytest.skip(f"{path.name}: keys {unknown} may come from glue calls with computed names")
    assert not unknown, f"{path.name}: the text uses glue keys that no code cell glues: {unknown}"


# ------------------------------------------------------------------------------------------------
# citations and labels across the book
# ------------------------------------------------------------------------------------------------


def test_bib_keys_are_unique():
    keys = bib_keys()
    assert keys, "references.bib holds no entries"
    assert len(keys) == len(set(keys)), f"duplicate bib keys: {[k for k, c in Counter(keys).items() if c > 1]}"


def test_every_cited_key_is_in_references_bib():
    keys = set(bib_keys())
    missing = {}
    for page in book_pages():
        for group in CITE_RE.findall(page_markdown(page)):
            for key in (k.strip() for k in group.split(",")):
                if key and key not in keys:
                    missing.setdefault(str(page.relative_to(ROOT)), []).append(key)
    assert not missing, f"cited keys absent from references.bib: {missing}"


def test_cite_scan_sees_citations():
    # guard against a regex that silently matches nothing
    assert CITE_RE.findall("see {cite:t}`a, b` and {cite}`c` or {cite:p}`d`") == ["a, b", "c", "d"]
    assert any(CITE_RE.search(page_markdown(p)) for p in book_pages()), "no page cites anything"


def test_labels_are_unique_across_the_book():
    labels = []
    for page in book_pages():
        text = page_markdown(page)
        labels += LABEL_RE.findall(text) + TARGET_RE.findall(text)
    dupes = sorted(k for k, c in Counter(labels).items() if c > 1)
    assert not dupes, f"labels defined more than once (prefix them with the chapter): {dupes}"


@chapter_param
def test_no_markdown_output_tables(path):
    # myst-nb renders text/markdown outputs as CommonMark, which has no tables: use inal_utils.book.Table.
    offenders = [i for i, c in enumerate(code_cells(read(path))) if "Markdown(" in c.source]
    assert not offenders, f"{path.name}: code cells {offenders} display Markdown; use book.Table for tables"


# ------------------------------------------------------------------------------------------------
# teaching material: goals and run time, summary, exercises, numbered figures
# ------------------------------------------------------------------------------------------------

DIRECTIVE_RE = re.compile(r"^\s*(`{3,}|:{3,})\{([\w:-]+)\}\s*(.*)$")


def directives(nb):
    """(cell index, name, argument, option lines) of every MyST directive opened in a markdown cell."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        for j, line in enumerate(lines):
            m = DIRECTIVE_RE.match(line)
            if m:
                options = []
                for follow in lines[j + 1:]:
                    if not re.match(r"^\s*:[\w-]+:", follow):
                        break
                    options.append(follow.strip())
                found.append((i, m.group(2), m.group(3).strip(), options))
    return found


@chapter_param
def test_chapter_opens_with_goals_and_run_time(path):
    nb = read(path)
    first = nb.cells[0].source
    key = f"ch{chapter_number(path)}_seconds"
    assert re.search(r"\{glue:text\}`" + key + r"(:[^`]*)?`", first), (
        f"{path.name}: the first cell must state the quick-scale run time with {{glue:text}}`{key}:.0f`"
    )
    assert len(re.findall(r"\w+", first)) >= 60, f"{path.name}: the first cell must say what the chapter shows and assumes"
    glued = "".join(c.source for c in code_cells(nb))
    assert re.search(r"glue\(\s*[\"']" + key + r"[\"']\s*,\s*time\.perf_counter\(\)", glued), (
        f"{path.name}: glue {key!r} with the measured time.perf_counter() difference"
    )


@chapter_param
def test_summary_then_exercises_then_claims(path):
    h2 = [text for _, level, text in headings(read(path)) if level == 2]
    assert h2[-3:] == ["Summary", "Exercises", "Claims checked in this chapter"], (
        f"{path.name}: the last H2s must be Summary, Exercises, Claims checked in this chapter; got {h2[-3:]}"
    )


@chapter_param
def test_at_least_three_exercises_with_hidden_solutions(path):
    found = directives(read(path))
    exercises = {}
    for _, name, _, options in found:
        if name == "exercise":
            label = next((o.split(":", 2)[2].strip() for o in options if o.startswith(":label:")), None)
            assert label, f"{path.name}: an exercise has no :label:"
            assert label.startswith(f"ch{chapter_number(path)}-"), f"{path.name}: exercise label {label!r} lacks its chapter prefix"
            exercises[label] = None
    assert len(exercises) >= 3, f"{path.name}: {len(exercises)} exercises; at least three are required"
    for _, name, arg, options in found:
        if name in ("solution", "solution-start"):
            assert arg in exercises, f"{path.name}: solution for unknown exercise {arg!r}"
            assert ":class: dropdown" in options, f"{path.name}: the solution of {arg} is not folded (:class: dropdown)"
            exercises[arg] = name
    missing = [k for k, v in exercises.items() if v is None]
    assert not missing, f"{path.name}: exercises without a solution: {missing}"


@chapter_param
def test_computed_solutions_are_checked_by_a_hidden_assert(path):
    nb = read(path)
    open_at = None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and "{solution-start}" in cell.source:
            open_at, shown, checked = i, 0, 0
        elif cell.cell_type == "markdown" and "{solution-end}" in cell.source:
            assert open_at is not None, f"{path.name}: solution-end without solution-start (cell {i})"
            assert shown and checked, (
                f"{path.name}: the gated solution at cell {open_at} needs a visible code cell and a hidden "
                "(remove-cell) cell with an assert"
            )
            open_at = None
        elif cell.cell_type == "code" and open_at is not None:
            if "remove-cell" in tags(cell):
                checked += any(isinstance(node, ast.Assert) for node in ast.walk(parse_code(cell.source)))
            else:
                shown += 1
    assert open_at is None, f"{path.name}: solution-start at cell {open_at} is never closed"


@chapter_param
def test_figures_are_glued_numbered_and_described(path):
    nb = read(path)
    for i, cell in enumerate(code_cells(nb)):
        calls = {name for _, name in _calls(parse_code(cell.source))}
        assert "show" not in calls, f"{path.name}: code cell {i} calls plt.show(); glue the figure and use {{glue:figure}}"
    for _, name, arg, options in directives(nb):
        if name in ("glue:figure", "figure"):
            assert any(o.startswith(":name:") for o in options), f"{path.name}: figure {arg} has no :name: (no number)"
            alt = next((o.split(":", 2)[2].strip() for o in options if o.startswith(":alt:")), "")
            assert len(alt.split()) >= 5, f"{path.name}: figure {arg} needs an :alt: sentence describing it"


# ------------------------------------------------------------------------------------------------
# README, .ci/run and the GitHub workflow agree
# ------------------------------------------------------------------------------------------------

COMMAND_RE = re.compile(r"^(?:[A-Z_]+=\S+ )*(?:python3 -m venv|\.venv/bin/(?:pip install|python -m pytest|jupyter-book build))")


def ci_commands():
    """The commands .ci/run runs to install, test, build and browse (in order)."""
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    return [line for line in lines if COMMAND_RE.match(line)]


def workflow_commands():
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows, ".github/workflows/ holds no workflow"
    commands = []
    for wf in workflows:
        for job in yaml.safe_load(wf.read_text())["jobs"].values():
            for step in job.get("steps", []):
                for line in str(step.get("run", "")).splitlines():
                    if COMMAND_RE.match(line.strip()):
                        commands.append(line.strip())
    return commands


def readme_form(command):
    """A CI command as the README writes it: without the quiet/report flags and CI-only variables."""
    command = re.sub(r"^(?:[A-Z_]+=\S+ )+", "", command)
    return re.sub(r"\s+", " ", re.sub(r" -(?:q|ra)\b", "", command)).strip()


def test_ci_runs_install_tests_build_and_browser():
    commands = ci_commands()
    assert any(c.endswith("python -m pytest -ra") for c in commands), commands
    assert any("jupyter-book build . --all -W --keep-going" in c for c in commands), commands
    browser = [i for i, c in enumerate(commands) if "tests/test_browser.py" in c]
    build = [i for i, c in enumerate(commands) if "jupyter-book build" in c]
    assert browser and build and browser[0] > build[0], ".ci/run must run the browser test after the build"
    assert "apt-get install" in (ROOT / ".ci" / "run").read_text() and "chromium-driver" in (ROOT / ".ci" / "run").read_text()


def test_workflow_runs_the_ci_commands_in_order():
    assert workflow_commands() == ci_commands(), (
        f".github/workflows runs {workflow_commands()} but .ci/run runs {ci_commands()}"
    )
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    assert "push" in triggers and "pull_request" in triggers
    deploy = wf["jobs"]["deploy"]
    assert "refs/heads/main" in deploy["if"] and any("deploy-pages" in s.get("uses", "") for s in deploy["steps"])
    uploads = [s for s in wf["jobs"]["test-and-build"]["steps"] if "upload-pages-artifact" in s.get("uses", "")]
    assert uploads and uploads[0]["with"]["path"] == "_build/html"


def test_readme_shows_the_ci_commands():
    readme = re.sub(r"\s+", " ", (ROOT / "README.md").read_text())
    missing = [readme_form(c) for c in ci_commands() if readme_form(c) not in readme]
    assert not missing, f"README.md does not show these commands of .ci/run: {missing}"


def requirement_names():
    names = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def readme_dependency_names():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Why each dependency"):]
    names = []
    for line in section.splitlines()[1:]:
        if line.startswith("## "):
            break
        m = re.match(r"^\|\s*([^|]+?)\s*\|", line)
        if m and "`" in m.group(1) and "pyproject" not in m.group(1):
            for name in re.findall(r"`([^`]+)`", m.group(1)):
                names.append(re.split(r"[<>=!~\[; ]", name, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def test_readme_dependency_table_matches_requirements():
    req, doc = requirement_names(), readme_dependency_names()
    assert req and doc
    assert sorted(req) == sorted(doc), (
        f"requirements.txt without a README row: {sorted(set(req) - set(doc))}; "
        f"README rows not in requirements.txt: {sorted(set(doc) - set(req))}"
    )
