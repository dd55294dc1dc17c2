"""``_BASE_`` inheritance between config files and ``--set KEY=VALUE`` overrides (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from siamban.config import apply_config_overrides, load_config, resolve_config
from siamban.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_base_by_bundled_name_overrides_only_what_differs(tmp_path):
    child = _write(tmp_path / "fast.yaml", "_BASE_: siamban_lite0\nTRACK:\n  PENALTY_K: 0.05\n"
                   "ADJUST:\n  OUT_CHANNELS: [32, 32, 32]\nDATASET:\n  VIDEOS:\n    NUM_USE: 10\n")
    base, cfg = resolve_config("siamban_lite0"), load_config(child)
    assert cfg.track.penalty_k == 0.05
    assert (cfg.track.lr, cfg.track.window_influence, cfg.track.lost_score) == (0.12, 0.30, 0.3)  # nested keys merge
    # a flat ADJUST key merges with the base's KWARGS block, key by key
    assert (cfg.neck.in_channels, cfg.neck.out_channels) == ((40, 80, 112), (32, 32, 32))
    assert cfg.dataset.sources["VIDEOS"].num_use == 10
    assert cfg.dataset.sources["VIDEOS"].root == "work_data/videos/crop511" == base.dataset.sources["VIDEOS"].root
    assert (cfg.backbone, cfg.head, cfg.train) == (base.backbone, base.head, base.train)


def test_base_by_relative_path_chains_and_lists_replace(tmp_path):
    _write(tmp_path / "shared" / "r50.yaml", "_BASE_: siamban_r50_l234\nTRAIN:\n  EPOCH: 7\n  BATCH_SIZE: 4\n")
    child = _write(tmp_path / "exp" / "a.yaml", "_BASE_: ../shared/r50.yaml\nTRAIN:\n  BATCH_SIZE: 2\n"
                   "DATASET:\n  NAMES: [COCO]\n")
    cfg = load_config(child)
    assert (cfg.meta_arc, cfg.train.epoch, cfg.train.batch_size) == ("siamban_r50_l234", 7, 2)
    assert cfg.dataset.names == ("COCO",)  # a list replaces the base's, it does not extend it
    assert cfg.backbone.type == "resnet50"


def test_base_cycle_and_missing_base_are_one_line(tmp_path):
    a = _write(tmp_path / "a.yaml", "_BASE_: b.yaml\n")
    _write(tmp_path / "b.yaml", "_BASE_: ./a.yaml\nTRACK:\n  LR: 0.2\n")
    with pytest.raises(ConfigError) as cycle:
        load_config(a)
    assert "_BASE_ cycle" in str(cycle.value) and "\n" not in str(cycle.value)
    assert str(cycle.value).count("a.yaml") == 3  # a -> b -> a, and the file that says it

    itself = _write(tmp_path / "self.yaml", "_BASE_: self.yaml\n")
    with pytest.raises(ConfigError, match="_BASE_ cycle"):
        load_config(itself)

    missing = _write(tmp_path / "m.yaml", "_BASE_: siamban_lite9\n")
    with pytest.raises(ConfigError) as err:
        load_config(missing)
    message = str(err.value)
    assert message.startswith(f"{missing}: _BASE_ 'siamban_lite9': no such file") and "\n" not in message
    assert "bundled: siamban_lite0, siamban_r50_l234, siamban_r50_l234_otb" in message

    bad = _write(tmp_path / "bad.yaml", "_BASE_: [siamban_lite0]\n")
    with pytest.raises(ConfigError, match=r"_BASE_ \['siamban_lite0'\]: expected a bundled config name or a path"):
        load_config(bad)
    broken_base = _write(tmp_path / "c.yaml", "_BASE_: broken.yaml\n")
    _write(tmp_path / "broken.yaml", "TRACK: [\n")
    with pytest.raises(ConfigError, match=r"broken\.yaml: not valid YAML"):
        load_config(broken_base)


def test_a_bad_key_in_a_child_names_the_child(tmp_path):
    child = _write(tmp_path / "x.yaml", "_BASE_: siamban_lite0\nTRACK:\n  PENALTY: 0.1\n")
    with pytest.raises(ConfigError, match=r"x\.yaml: TRACK\.PENALTY: unknown key"):
        load_config(child)


def test_set_overrides_values_parsed_as_yaml():
    base = resolve_config("siamban_lite0")
    cfg = apply_config_overrides(base, ["TRACK.PENALTY_K=0.1", "TRAIN.EPOCH=3", "TRAIN.BASE_LR=1e-4",
                                        "DATASET.NAMES=[VIDEOS, SHARED]", "BAN.KWARGS.loc_init=16",
                                        "TRAIN.AMP_CPU=false", "BACKBONE.PRETRAINED="])
    assert (cfg.track.penalty_k, cfg.train.epoch, cfg.train.base_lr) == (0.1, 3, 1e-4)
    assert cfg.dataset.names == ("VIDEOS", "SHARED")
    assert (cfg.head.loc_init, cfg.train.amp_cpu, cfg.backbone.pretrained) == (16.0, False, "")
    assert cfg.track.lr == base.track.lr and cfg.neck == base.neck
    assert resolve_config("siamban_lite0", ["TRACK.LR=0.2"]).track.lr == 0.2
    assert apply_config_overrides(base, ["TRACK={PENALTY_K: 0.2}"]).track.lr == base.track.lr  # merges


@pytest.mark.parametrize(("item", "message"), [
    ("TRACK.PENALTY=0.1", "--set TRACK.PENALTY: unknown key (known here: TYPE, PENALTY_K,"),
    ("TRAK.LR=0.1", "--set TRAK: unknown key (known here: META_ARC, CUDA, BACKBONE,"),
    ("TRACK.PENALTY_K=abc", "--set TRACK.PENALTY_K: expected a number, got 'abc'"),
    ("TRAIN.EPOCH=2.5", "--set TRAIN.EPOCH: expected an integer, got 2.5"),
    ("TRACK.LR=2", "--set TRACK.LR 2.0: must lie in 0..1"),
    ("TRACK=1", "--set TRACK: a section; set one of its keys (TYPE, PENALTY_K,"),
    ("TRACK.LR.X=1", "--set TRACK.LR.X: TRACK.LR is a value, not a section"),
    ("TRACK.LR", "--set 'TRACK.LR': expected KEY=VALUE"),
    ("=1", "--set '=1': expected KEY=VALUE"),
    ("TRACK.LR=[1", "--set TRACK.LR: value '[1' is not a YAML scalar or list"),
])
def test_set_errors_name_the_key(item, message):
    with pytest.raises(ConfigError) as err:
        apply_config_overrides(resolve_config("siamban_lite0"), [item])
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_bundled_lite0_trains_with_the_default_models_recipe():
    shipped, recipe = resolve_config("siamban_lite0"), load_config(REPO / "recipes" / "default_model" / "config.yaml")
    assert shipped.dataset == recipe.dataset and shipped.train == recipe.train and shipped.backbone == recipe.backbone
    assert shipped.dataset.names == ("VIDEOS", "IMAGES", "SHARED", "SYNTHETIC")
    assert [shipped.dataset.sources[n].num_use for n in shipped.dataset.names] == [1400, 700, 600, 500]
    assert shipped.dataset.sources["VIDEOS"].anno == "work_data/videos/train.json"
    assert (shipped.train.epoch, shipped.train.seed, shipped.dataset.videos_per_epoch) == (12, 20261125, 3200)
    assert shipped.backbone.train_layers == ("stage5",)
