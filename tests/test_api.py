"""Which model the API builds when config or weights are left out."""

import pytest
import torch

from siamban.api import config_for_weights, create_tracker, resolve_model
from siamban.assets import DEFAULT_CONFIG, DEFAULT_WEIGHTS
from siamban.errors import CheckpointError, ConfigError


def _save(path, *names):
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": {f"module.{n}": torch.zeros(1) for n in names}}, path)
    return path


def test_nothing_given_is_the_bundled_default_model():
    assert resolve_model(None, None) == (DEFAULT_CONFIG, DEFAULT_WEIGHTS)
    assert resolve_model(DEFAULT_CONFIG, None) == (DEFAULT_CONFIG, DEFAULT_WEIGHTS)


def test_weights_alone_take_the_config_beside_them_or_one_folder_up(tmp_path):
    zoo = _save(tmp_path / "siamban_r50_l234_otb" / "model.pth", "head.cls_weight")
    (zoo.parent / "config.yaml").write_text("META_ARC: x\n")
    assert resolve_model(None, zoo) == (zoo.parent / "config.yaml", zoo)
    run = tmp_path / "run"
    snapshot = _save(run / "snapshot" / "checkpoint_e3.pth", "head.cls_weight")
    (run / "config.yaml").write_text("META_ARC: x\n")
    assert config_for_weights(snapshot) == run / "config.yaml"


def test_weights_alone_without_a_config_file_go_by_their_key_names(tmp_path):
    r50 = _save(tmp_path / "a" / "model.pth", "backbone.layer1.0.conv1.weight", "head.cls_weight")
    lite = _save(tmp_path / "b" / "model.pth", "backbone.stem.conv.weight", "head.cls_weight")
    assert config_for_weights(r50) == "siamban_r50_l234"
    assert config_for_weights(lite) == DEFAULT_CONFIG


def test_a_config_other_than_the_default_needs_weights():
    with pytest.raises(CheckpointError, match="no weights given for siamban_r50_l234"):
        resolve_model("siamban_r50_l234", None)


def test_a_mistyped_config_name_is_an_unknown_config_not_missing_weights():
    with pytest.raises(ConfigError, match=r"unknown config 'siamban_lite' \(bundled: .*siamban_lite0"):
        create_tracker("siamban_lite")


def test_missing_weights_file_is_named(tmp_path):
    with pytest.raises(CheckpointError, match="nope.pth"):
        resolve_model(None, tmp_path / "nope.pth")
