"""Sphinx glue for the book: author-year bibliography labels, repository buttons only when a
repository is set, and each page's scripts included once.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. Kept outside ``inal_utils`` so that
the build does not import torch.
"""

from __future__ import annotations

import codecs
import re

import latexcodec  # noqa: F401  (registers the "ulatex" codec used below)
from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle

#: The book's repository URL is ``repository.url`` in ``_config.yml``; Jupyter Book falls back to its
#: own repository when that key is missing, which must never become a button.
JUPYTER_BOOK_DEFAULT_URL = "https://github.com/executablebooks/jupyter-book"


def _plain(text):
    """A LaTeX-encoded BibTeX name (``H{\\k{a}}z{\\l}a``) as plain Unicode (``Hązła``)."""
    return re.sub(r"[{}]", "", codecs.decode(text, "ulatex"))


def author_year_label(entry):
    """``Abbe et al. 2022``, ``Cho and Saul 2009``, ``O'Donnell 2014``: the label of the citation style."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    last = [_plain(" ".join(p.last_names)) for p in persons]
    if not last:
        names = _plain(entry.fields.get("title", entry.key))
    elif len(last) == 1:
        names = last[0]
    elif len(last) == 2:
        names = f"{last[0]} and {last[1]}"
    else:
        names = f"{last[0]} et al."
    return f"{names} {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    """pybtex label style giving author-year labels; equal labels get a, b, ... suffixes."""

    def format_labels(self, sorted_entries):
        labels = [author_year_label(e) for e in sorted_entries]
        seen = {}
        for label in labels:
            seen[label] = seen.get(label, 0) + 1
        count = {}
        for label in labels:
            if seen[label] > 1:
                count[label] = count.get(label, 0) + 1
                yield label + "abcdefghijklmnopqrstuvwxyz"[count[label] - 1]
            else:
                yield label


class AuthorYearStyle(PlainStyle):
    """The ``plain`` formatting style with author-year labels (registered as ``inal_author_year``)."""

    default_label_style = "inal_author_year"
    default_sorting_style = "author_year_title"


register_plugin("pybtex.style.labels", "inal_author_year", AuthorYearLabelStyle)
register_plugin("pybtex.style.formatting", "inal_author_year", AuthorYearStyle)


def repository_url(config):
    """The repository URL set in ``_config.yml`` (empty string when unset)."""
    url = (config.html_theme_options or {}).get("repository_url", "") or ""
    return "" if url.rstrip("/") == JUPYTER_BOOK_DEFAULT_URL else url


def configure_buttons(app, config):
    """Show the repository, issues and launch buttons only when a repository URL is set."""
    options = config.html_theme_options
    has_repo = bool(repository_url(config))
    options["repository_url"] = repository_url(config)
    for key in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
        options[key] = has_repo and key != "use_edit_page_button"
    launch = dict(options.get("launch_buttons") or {})
    if not has_repo:
        for key in ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url", "jupyterlite_url"):
            launch[key] = ""
        launch["thebe"] = False
    options["launch_buttons"] = launch


def unique_scripts(app, pagename, templatename, context, doctree):
    """Drop repeated scripts (sphinx-thebe registers its inline config twice under Jupyter Book)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        # an inline script's filename is None when registered before the builder exists, '' after
        key = (str(js.filename or ""), tuple(sorted((k, str(v)) for k, v in js.attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    scripts[:] = kept


def setup(app):
    app.connect("config-inited", configure_buttons, priority=900)
    app.connect("html-page-context", unique_scripts, priority=1000)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
