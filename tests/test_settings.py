"""[tool.ctft_eval] settings, gates and regression rules; --ctft-set overrides."""

import pytest

from ctft_eval.settings import DEFAULT_GATES, Settings, SettingsError, load_settings


def write(tmp_path, text):
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    return path


def test_defaults_are_the_seed_criteria(tmp_path):
    settings = load_settings(tmp_path / "absent.toml")
    assert settings.gates == DEFAULT_GATES == {"tool_selection": 0.95, "json_validity": 0.99, "arguments": 0.90,
                                               "latency_median": 2.0}
    assert (settings.temperature, settings.num_ctx, settings.concurrency) == (0.0, 8192, 4)
    assert settings.regression["alpha"] == 0.05 and settings.regression["max_drop_points"] == 5.0


def test_values_are_read_and_typed(tmp_path):
    settings = load_settings(write(tmp_path, "[tool.ctft_eval]\ntemperature = 1\nseed = 7\n"
                                   "[tool.ctft_eval.gates]\nchain = 0.8\n[tool.ctft_eval.regression]\nalpha = 0.01\n"))
    assert settings.temperature == 1.0 and isinstance(settings.temperature, float) and settings.seed == 7
    assert settings.gates["chain"] == 0.8 and settings.regression["alpha"] == 0.01


@pytest.mark.parametrize(("text", "message"), [
    ("[tool.ctft_eval]\ntemprature = 0\n", "unknown key [tool.ctft_eval].temprature"),
    ("[tool.ctft_eval]\nseed = 'x'\n", "seed must be a int"),
    ("[tool.ctft_eval.gates]\nspeed = 1\n", "unknown gate 'speed'"),
    ("[tool.ctft_eval.regression]\nbudget = 1\n", "unknown key [tool.ctft_eval.regression].budget"),
    ("[tool.ctft_eval]\nconcurrency = 0\n", "concurrency must be at least 1"),
    ("[tool.ctft_eval\n", "not valid TOML"),
])
def test_bad_settings_name_the_file_and_key(tmp_path, text, message):
    with pytest.raises(SettingsError) as err:
        load_settings(write(tmp_path, text))
    assert message in str(err.value) and "pyproject.toml" in str(err.value)


def test_override_converts_to_the_settings_type():
    settings = Settings()
    settings.override("max_tokens=256")
    settings.override("temperature = 0.7")
    assert settings.max_tokens == 256 and settings.temperature == 0.7
    with pytest.raises(SettingsError, match="max_tokens must be a int"):
        settings.override("max_tokens=lots")
    with pytest.raises(SettingsError, match="KEY one of"):
        settings.override("gates=1")
