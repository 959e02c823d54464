"""Serve plotly.min.js from the installed `plotly` package: no CDN, no copy in the repository.

The ministry's network may be closed, and a vendored copy would drift from the package version.
Only that one file is exposed (as `vendor/plotly.min.js`), not the package's other data.
"""

import importlib.util
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

PUBLIC_PATH = "vendor/plotly.min.js"


def plotly_js() -> Path:
    # find_spec locates the package without importing it (plotly's import is slow).
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The plotly package is not installed.")
    return Path(spec.submodule_search_locations[0]) / "package_data" / "plotly.min.js"


class PlotlyFinder(BaseFinder):
    def check(self, **kwargs):
        try:
            if plotly_js().is_file():
                return []
        except FileNotFoundError:
            pass
        return [Error("plotly.min.js was not found in the plotly package.", id="dashboard.E001")]

    def find(self, path, find_all=False, **kwargs):
        if path == PUBLIC_PATH and plotly_js().is_file():
            found = str(plotly_js())
            return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns):
        yield PUBLIC_PATH, _Renamed(plotly_js())


class _Renamed(FileSystemStorage):
    """A storage that opens the single plotly file under its public name."""

    def __init__(self, source: Path):
        super().__init__(location=str(source.parent))
        self._source = source

    def path(self, name):
        return str(self._source)

    def open(self, name, mode="rb"):
        return super().open(self._source.name, mode)
