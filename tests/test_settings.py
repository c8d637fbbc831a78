"""Settings come from environment variables, with defaults that need none."""

import pytest

from service.settings import DEFAULT_SQLITE_PATH, Settings


def test_defaults_serve_sqlite_under_instance_on_port_8000():
    settings = Settings.from_env({})
    assert settings.database_url == f"sqlite:///{DEFAULT_SQLITE_PATH}"
    assert DEFAULT_SQLITE_PATH.parent.name == "instance"
    assert (settings.host, settings.port, settings.log_level) == ("127.0.0.1", 8000, "INFO")


def test_postgres_urls_are_given_the_psycopg_driver():
    settings = Settings.from_env({"DATABASE_URL": "postgres://u@db:5432/content", "PORT": "9000"})
    assert settings.database_url == "postgresql+psycopg://u@db:5432/content"
    assert settings.port == 9000
    assert not settings.is_sqlite


def test_a_port_that_is_not_a_number_stops_the_start():
    with pytest.raises(SystemExit, match="PORT"):
        Settings.from_env({"PORT": "eighty"})


def test_urls_up_to_8000_characters_are_served_unless_set_otherwise():
    assert Settings.from_env({}).max_uri_length == 8000
    assert Settings.from_env({"MAX_URI_LENGTH": "4096"}).max_uri_length == 4096


def test_shared_caches_get_a_second_and_bounded_stale_windows_unless_set_otherwise():
    settings = Settings.from_env({})
    assert (settings.shared_max_age, settings.stale_while_revalidate, settings.stale_if_error) == (1, 30, 300)
    settings = Settings.from_env({"SHARED_MAX_AGE": "10", "STALE_WHILE_REVALIDATE": "0"})
    assert (settings.shared_max_age, settings.stale_while_revalidate) == (10, 0)
    # A withdrawn item must not linger in a cache: an hour of stale copies at most.
    for value in ("3601", "-1", "1.5", "soon", "٣"):
        with pytest.raises(SystemExit, match="STALE_IF_ERROR"):
            Settings.from_env({"STALE_IF_ERROR": value})
