"""Flow files are validated data: the bundled ones pass, broken ones fail with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from optout.flow import FlowError, load_flow
from optout.registry import flow_files
from tests.conftest import REPO


def test_every_bundled_flow_is_valid() -> None:
    files = flow_files()
    assert [p.stem for p in files] == ["linkedin"]
    for path in files:
        flow = load_flow(path)
        assert flow.platform == path.stem
        assert all(url.startswith("https://") for url in (flow.login.url, *(s.url for s in flow.settings)))


def _broken(tmp_path: Path, change: object) -> Path:
    data = yaml.safe_load((REPO / "flows" / "linkedin.yaml").read_text())
    assert callable(change)
    change(data)
    path = tmp_path / "linkedin.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def _set(path: tuple[object, ...], value: object) -> object:
    def change(data: dict[str, object]) -> None:
        node: object = data
        for key in path[:-1]:
            node = node[key]  # type: ignore[index]
        node[path[-1]] = value  # type: ignore[index]

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set(("settings", 0, "control", "colour"), "blue"), "Extra inputs are not permitted"),
        (_set(("settings", 0, "control", "target", "role"), "swich"), "settings.0.control.target.role"),
        (_set(("settings", 0, "title"), {"en": ["Data for Generative AI Improvement"]}), "locale(s): fr"),
        (_set(("settings", 0, "url"), "https://evil.example/settings"), "not on one of the flow's origins"),
        (_set(("origins",), ["http://www.linkedin.com"]), "https origin"),
        (
            _set(("login", "steps"), [{"click": {"role": "button", "name": {"en": "Go", "fr": "Aller"}}}]),
            "must fill the password",
        ),
    ],
)
def test_broken_flows_fail_with_one_line(tmp_path: Path, change: object, message: str) -> None:
    with pytest.raises(FlowError) as caught:
        load_flow(_broken(tmp_path, change))
    text = str(caught.value)
    assert message in text and "\n" not in text and str(tmp_path) in text


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "linkedin.yaml"
    path.write_text("schema_version: 1\nplatform: [unclosed\n")
    with pytest.raises(FlowError, match=r"linkedin.yaml: line \d+ not valid YAML"):
        load_flow(path)
