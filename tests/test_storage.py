"""Study storage URLs."""

from __future__ import annotations

from neural_hpo.storage import resolve_storage


def test_a_sqlite_url_in_a_new_folder_gets_its_folder(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh' / '.neural-hpo' / 'studies.db'}"
    assert resolve_storage(url) == url
    assert (tmp_path / "fresh" / ".neural-hpo").is_dir()


def test_other_urls_pass_through_untouched(tmp_path):
    assert resolve_storage("postgresql://db/studies") == "postgresql://db/studies"
    assert resolve_storage(None, tmp_path).endswith("/.neural-hpo/studies.db")
