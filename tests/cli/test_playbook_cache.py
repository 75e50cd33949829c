"""The validated-playbook cache serves only what it validated, and never changes an error."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from drillbit.cli import main
from drillbit.commands.playbook_cache import _write, cache_key, load_cached, storable
from playbook.errors import InvalidDefinition
from playbook.model import DEFAULT_PLAYBOOK_PATH, Playbook, load_playbook

DEFAULT_TEXT = DEFAULT_PLAYBOOK_PATH.read_text(encoding="utf-8")
ROOT = Path(__file__).resolve().parents[2]


def _renamed(book: Playbook, name: str) -> Playbook:
    """A copy of ``book`` under another name, as the cache would store it."""
    return storable(book.model_copy(update={"name": name}))


def _plant(directory: Path, key: str, value: object) -> Path:
    """Put ``value`` where the entry for ``key`` lives, private as the cache writes it."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    entry = directory / f"{key}.pickle"
    entry.write_bytes(pickle.dumps(value))
    entry.chmod(0o600)
    return entry


@pytest.fixture
def playbook_file(tmp_path: Path) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(DEFAULT_TEXT, encoding="utf-8")
    return path


def test_a_playbook_that_has_rendered_a_template_is_still_cached(tmp_path: Path, playbook_file: Path) -> None:
    # Rendering builds the playbook's Jinja environment, which pickle refuses: the entry must
    # leave it out, or a process that renders before it loads would never cache.
    book = load_playbook(playbook_file)
    assert book.template_set is book.template_set  # built and kept
    cache = tmp_path / "cache"
    key = cache_key(playbook_file.read_bytes())
    _write(cache, key, book)
    assert load_cached(playbook_file, cache) == book
    assert [e.name for e in cache.iterdir()] == [f"{key}.pickle"]


def test_a_miss_loads_the_file_and_stores_one_private_entry_under_its_content_key(
    tmp_path: Path, playbook_file: Path
) -> None:
    cache = tmp_path / "cache"
    book = load_cached(playbook_file, cache)
    assert book == load_playbook(playbook_file)
    entries = list(cache.iterdir())
    assert [e.name for e in entries] == [f"{cache_key(playbook_file.read_bytes())}.pickle"]
    assert entries[0].stat().st_mode & 0o777 == 0o600
    assert cache.stat().st_mode & 0o077 == 0


def test_a_hit_is_served_from_the_entry_not_from_the_file(
    tmp_path: Path, playbook_file: Path, book: Playbook
) -> None:
    # An entry that differs from the file (the name) shows which of the two was read.
    cache = tmp_path / "cache"
    key = cache_key(playbook_file.read_bytes())
    _plant(cache, key, (key, _renamed(book, "from-the-cache")))
    assert load_cached(playbook_file, cache).name == "from-the-cache"


def test_an_edited_file_has_another_key_and_is_validated_again(
    tmp_path: Path, playbook_file: Path
) -> None:
    cache = tmp_path / "cache"
    load_cached(playbook_file, cache)
    playbook_file.write_text(
        DEFAULT_TEXT.replace("name: default", "name: edited", 1), encoding="utf-8"
    )
    assert load_cached(playbook_file, cache).name == "edited"
    assert len(list(cache.iterdir())) == 2


@pytest.mark.parametrize(
    "text",
    [
        DEFAULT_TEXT.replace("classifier:", "classifyer:", 1),  # an unknown field
        "name: [unclosed\n",  # not YAML
        "a: &a [*a]\n",  # an alias to its own ancestor
    ],
)
def test_a_bad_file_fails_exactly_as_the_loader_fails_and_is_never_stored(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidDefinition) as direct:
        load_playbook(path)
    cache = tmp_path / "cache"
    for _ in range(2):
        with pytest.raises(InvalidDefinition) as cached:
            load_cached(path, cache)
        assert str(cached.value) == str(direct.value)
    assert not cache.exists() or not list(cache.iterdir())


def test_files_that_cannot_be_read_fail_as_the_loader_fails(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.yaml", tmp_path, Path("/dev/zero")):
        with pytest.raises(InvalidDefinition) as direct:
            load_playbook(path)
        with pytest.raises(InvalidDefinition) as cached:
            load_cached(path, tmp_path / "cache")  # /dev/zero: read no further than 1 MiB
        assert str(cached.value) == str(direct.value)


def test_an_entry_others_can_write_is_ignored_and_replaced(
    tmp_path: Path, playbook_file: Path, book: Playbook
) -> None:
    cache = tmp_path / "cache"
    key = cache_key(playbook_file.read_bytes())
    entry = _plant(cache, key, (key, _renamed(book, "planted")))
    entry.chmod(0o666)
    assert load_cached(playbook_file, cache).name == "default"
    assert entry.stat().st_mode & 0o777 == 0o600  # rewritten by the cache


def test_a_cache_directory_others_can_write_is_never_read(
    tmp_path: Path, playbook_file: Path, book: Playbook
) -> None:
    cache = tmp_path / "cache"
    key = cache_key(playbook_file.read_bytes())
    _plant(cache, key, (key, _renamed(book, "planted")))
    cache.chmod(0o777)
    assert load_cached(playbook_file, cache).name == "default"


@pytest.mark.parametrize(
    "content",
    [
        b"not a pickle",
        pickle.dumps(("another key", None)),
        pickle.dumps(["a", "list", "of", "three"]),
    ],
)
def test_a_corrupt_or_foreign_entry_is_a_miss(
    tmp_path: Path, playbook_file: Path, content: bytes
) -> None:
    cache = tmp_path / "cache"
    key = cache_key(playbook_file.read_bytes())
    entry = _plant(cache, key, None)
    entry.write_bytes(content)
    assert load_cached(playbook_file, cache) == load_playbook(playbook_file)


def test_an_entry_stored_under_another_key_is_not_served(
    tmp_path: Path, playbook_file: Path, book: Playbook
) -> None:
    cache = tmp_path / "cache"
    key = cache_key(playbook_file.read_bytes())
    _plant(cache, key, (cache_key(b"other content"), _renamed(book, "planted")))
    assert load_cached(playbook_file, cache).name == "default"


def test_a_cache_that_cannot_be_created_only_costs_time(
    tmp_path: Path, playbook_file: Path
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the cache directory would go", encoding="utf-8")
    assert load_cached(playbook_file, blocker / "cache") == load_playbook(playbook_file)
    assert load_cached(playbook_file, None) == load_playbook(playbook_file)


def test_the_key_changes_with_the_content_and_nothing_else(tmp_path: Path) -> None:
    assert cache_key(b"a") == cache_key(b"a")
    assert cache_key(b"a") != cache_key(b"b")
    assert len(cache_key(b"a")) == 64


def test_light_commands_keep_the_cache_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DRILLBIT_DATA_DIR", str(tmp_path / "data"))
    for _ in range(2):
        main(["classify", "--service", "payments", "--error-rate", "62.5", "--revenue", "--json"])
        assert '"severity": "SEV1"' in capsys.readouterr().out
    entries = list((tmp_path / "data" / "cache" / "playbooks").iterdir())
    assert [e.name for e in entries] == [f"{cache_key(DEFAULT_PLAYBOOK_PATH.read_bytes())}.pickle"]


def test_an_invalid_setting_does_not_break_a_light_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The cache is skipped; classify never read DRILLBIT_PORT and still does not need it.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DRILLBIT_PORT", "not a port")
    main(["classify", "--service", "payments", "--json"])
    assert '"severity"' in capsys.readouterr().out
    assert not (tmp_path / "var").exists()


def test_a_hit_builds_no_validator_of_the_playbooks_models(tmp_path: Path) -> None:
    # Building validators is most of what importing the models costs; a hit validates
    # nothing, so (the models deferring their build) it builds none. AlertContext, which
    # classify validates on every run, is the one model built at import.
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from pydantic import BaseModel
        from drillbit.commands.playbook_cache import load_cached
        from playbook.model import DEFAULT_PLAYBOOK_PATH
        load_cached(DEFAULT_PLAYBOOK_PATH, Path(sys.argv[1]))
        def models(cls):
            for sub in cls.__subclasses__():
                yield sub
                yield from models(sub)
        print(sorted(m.__name__ for m in models(BaseModel)
                     if m.__module__.startswith("playbook.") and m.__pydantic_complete__))
        """
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "cache")],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()
        for _ in range(2)
    ]  # fmt: skip
    assert runs[0] != runs[1]  # the miss validated (and so built) the playbook's models
    assert runs[1] == "['AlertContext']"
