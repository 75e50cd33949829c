"""Bounded YAML: hostile documents are one InvalidDefinition naming file, line and field."""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from playbook.errors import InvalidDefinition
from playbook.model import load_playbook
from playbook.safeyaml import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    check_yaml_file,
    decode_definition,
    parse_yaml,
    read_definition,
    safe_load,
)
from tests.hostile_yaml import CASES, FIELD, LINE, alias_bomb, deep_nesting

ROOT = Path(__file__).resolve().parents[2]
# Cases whose hostile value sits in the one field of the document (see tests/hostile_yaml.py).
FIELD_CASES = [
    "bad_int_tag", "bad_float_tag", "huge_integer", "bad_timestamp", "python_tag", "unknown_tag",
]  # fmt: skip


def refusal(text: str, source: str = "doc.yaml") -> InvalidDefinition:
    with pytest.raises(InvalidDefinition) as caught:
        parse_yaml(text, source=source)
    return caught.value


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_hostile_document_is_one_invalid_definition_naming_the_file(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(CASES[name])
    with pytest.raises(InvalidDefinition) as caught:
        load_playbook(path)
    assert caught.value.source == str(path)
    assert "\n" not in str(caught.value)
    if name != "oversized":
        assert caught.value.line is not None


@pytest.mark.parametrize("name", FIELD_CASES)
def test_a_bad_scalar_names_its_line_and_field(name: str) -> None:
    error = refusal(CASES[name].decode())
    assert (error.line, error.field) == (LINE, FIELD)


def test_a_bad_scalar_names_its_tag_in_yaml_short_form() -> None:
    assert refusal(CASES["bad_int_tag"].decode()).message.startswith("invalid !!int value 'abc': ")


def test_a_five_thousand_digit_integer_is_refused_not_converted() -> None:
    error = refusal(CASES["huge_integer"].decode())
    assert "5,000 characters" in error.message and "4300 digits" in error.message
    # Python's advice after the ";" (raise the limit) is for programmers, not for the author.
    assert "set_int_max_str_digits" not in error.message


def test_non_utf8_bytes_name_the_line_of_the_first_bad_byte() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        decode_definition(b"a: 1\nb: 2\nc: caf\xe9\n", source="x.yaml")
    assert caught.value.line == 3
    # "a: 1\n" and "b: 2\n" are 5 bytes each, "c: caf" 6 more: the bad byte is at offset 16
    assert "byte 0xe9 at offset 16" in caught.value.message


def test_a_nul_character_names_its_line() -> None:
    error = refusal("a: 1\nb: x\x00y\n")
    assert error.line == 2 and "#x0000" in error.message


def test_a_tab_indent_names_its_line_and_what_pyyaml_found() -> None:
    error = refusal("a:\n  b: 1\n\tc: 2\n")
    assert error.line == 3
    assert error.message == "invalid YAML: found character '\\t' that cannot start any token"


def test_small_aliases_still_load_as_copies() -> None:
    data, lines = parse_yaml("base: &b {x: 1, y: [2, 3]}\nother: *b\n", source="a.yaml")
    assert data == {"base": {"x": 1, "y": [2, 3]}, "other": {"x": 1, "y": [2, 3]}}
    assert data["other"] is not data["base"]
    assert lines[("other",)] == 2


def aliased(copies: int, width: int) -> str:
    """A list naming ``copies`` times one anchored list of ``width`` scalars.

    Expanded, it has 1 + copies * (width + 1) nodes: the outer list, then per copy the list
    and its scalars.
    """
    anchor = "&w [" + ", ".join(["x"] * width) + "]"
    return "[" + ", ".join([anchor] + ["*w"] * (copies - 1)) + "]"


def test_the_node_budget_counts_every_alias_use() -> None:
    # 1 + 10 * 9,999 = 99,991 nodes: within the budget; 1 + 10 * 10,000 = 100,001: over it.
    assert MAX_NODES == 100_000
    assert len(safe_load(aliased(10, 9_998), source="ok")) == 10
    error = refusal(aliased(10, 9_999))
    assert "more than 100,000 YAML nodes" in error.message


def test_an_alias_bomb_is_refused_by_arithmetic_not_by_building_it() -> None:
    error = refusal(alias_bomb().decode())
    assert "YAML nodes" in error.message and error.line is not None


def test_an_alias_to_its_own_ancestor_is_refused() -> None:
    error = refusal("a:\n  b: &x [1, {c: *x}]\n")
    assert "contains it" in error.message and error.line == 2
    assert error.field == "a.b[1].c"  # where the alias is used


@pytest.mark.parametrize("flow", [True, False])
def test_nesting_is_allowed_to_max_depth_and_refused_one_deeper(flow: bool) -> None:
    def nested(depth: int) -> str:
        if flow:
            return deep_nesting(depth).decode()
        # depth - 1 mappings, each one key deeper, holding an empty flow list
        return "".join(f"{'  ' * i}k:\n" for i in range(depth - 1)) + "  " * (depth - 1) + "[]\n"

    assert safe_load(nested(MAX_DEPTH), source="ok") is not None
    assert "nested deeper than 50 levels" in refusal(nested(MAX_DEPTH + 1)).message


def test_aliases_cannot_stack_past_the_depth_limit() -> None:
    # Each anchor is shallow where it is written, but *a50 expands 51 levels deep.
    lines = ["- &a0 []"] + [f"- &a{i} [*a{i - 1}]" for i in range(1, MAX_DEPTH + 1)]
    assert "nested deeper" in refusal("\n".join(lines)).message


def test_a_mapping_key_must_be_plain() -> None:
    assert "key must be a plain value" in refusal("? [a, b]\n: 1\n").message


def test_tags_on_collections_are_refused() -> None:
    error = refusal("a: !!python/object:os.system {x: 1}\n")
    assert error.field == "a"
    assert error.message == "unsupported tag '!!python/object:os.system'"


def test_safe_load_reads_empty_and_comment_only_documents_as_none() -> None:
    assert safe_load("", source="x") is None
    assert safe_load("# nothing\n\n", source="x") is None
    assert safe_load("- 1\n- two\n", source="x") == [1, "two"]


def test_read_definition_refuses_directories_missing_and_endless_files(tmp_path: Path) -> None:
    for path, reason in (
        (tmp_path, "Is a directory"),
        (tmp_path / "nope.yaml", "No such file"),
        (Path("/dev/zero"), f"larger than {MAX_BYTES // 1024} KiB"),
    ):
        with pytest.raises(InvalidDefinition, match=reason) as caught:
            read_definition(path)
        assert caught.value.source == str(path)


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_check_yaml_file_refuses_a_bomb_and_leaves_json_to_its_loader(
    tmp_path: Path, suffix: str
) -> None:
    bomb = tmp_path / f"experiment{suffix}"
    bomb.write_bytes(alias_bomb())
    with pytest.raises(InvalidDefinition, match="YAML nodes") as caught:
        check_yaml_file(bomb)
    assert caught.value.source == str(bomb)
    as_json = tmp_path / "experiment.json"
    as_json.write_text('{\n\t"title": "tabs are fine in JSON"\n}\n', encoding="utf-8")
    check_yaml_file(as_json)


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB of address space
    resource.setrlimit(resource.RLIMIT_CPU, (20, 20))  # seconds of CPU, imports included


def test_the_bomb_is_refused_in_a_process_capped_at_one_gib_and_twenty_cpu_seconds(
    tmp_path: Path,
) -> None:
    # Unbounded, this document takes over 40 s and 900 MB before a MemoryError; the child's
    # limits turn that into a failure here instead of a stalled machine. The 1 s / 100 MB
    # bound itself is measured by bench/bench_hostile_yaml.py.
    path = tmp_path / "bomb.yaml"
    path.write_bytes(alias_bomb())
    script = textwrap.dedent(
        """
        import sys
        from playbook.errors import InvalidDefinition
        from playbook.model import load_playbook
        try:
            load_playbook(sys.argv[1])
        except InvalidDefinition as exc:
            print(exc)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=ROOT, capture_output=True, text=True, preexec_fn=_limits, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-300:]
    assert "more than 100,000 YAML nodes" in done.stdout


def test_a_merge_key_is_refused_with_its_line() -> None:
    error = refusal("base: &b {x: 1}\nother:\n  <<: *b\n", source="m.yaml")
    assert (error.source, error.line, error.message) == (
        "m.yaml", 3, "YAML merge keys (<<) are not supported"
    )
