import dataclasses
import textwrap

import pytest

from siamban.config import (
    TRACKER_PRESETS,
    SiamBANConfig,
    bundled_config_names,
    config_from_dict,
    config_to_dict,
    load_config,
    resolve_config,
    save_config,
    with_tracker_preset,
)
from siamban.errors import ConfigError

# The official experiments/siamban_r50_l234_otb/config.yaml, as the official repository ships it.
OFFICIAL_OTB_YAML = textwrap.dedent(
    """\
    META_ARC: "siamban_r50_l234_otb"

    BACKBONE:
        TYPE: "resnet50"
        KWARGS:
            used_layers: [2, 3, 4]
        PRETRAINED: 'pretrained_models/resnet50.model'
        TRAIN_LAYERS: ['layer2', 'layer3', 'layer4']
        TRAIN_EPOCH: 10
        LAYERS_LR: 0.1

    ADJUST:
        ADJUST: True
        TYPE: "AdjustAllLayer"
        KWARGS:
            in_channels: [512, 1024, 2048]
            out_channels: [256, 256, 256]

    BAN:
        BAN: True
        TYPE: 'MultiBAN'
        KWARGS:
            in_channels: [256, 256, 256]
            cls_out_channels: 2  # if use sigmoid cls, cls_out_channel = 1 else 2
            weighted: True

    POINT:
        STRIDE: 8

    TRACK:
        TYPE: 'SiamBANTracker'
        WINDOW_INFLUENCE: 0.3850733326567302  # OTB100
        PENALTY_K: 0.020530504470126613  # OTB100
        LR: 0.4730770315643308  # OTB100
        EXEMPLAR_SIZE: 127
        INSTANCE_SIZE: 255
        BASE_SIZE: 8
        CONTEXT_AMOUNT: 0.5

    TRAIN:
        EPOCH: 20
        START_EPOCH: 0 # 0 or resume checkpoint
        BATCH_SIZE: 28
        BASE_LR: 0.005
        CLS_WEIGHT: 1.0
        LOC_WEIGHT: 1.0
        RESUME: '' # '' or 'snapshot/checkpoint_e.pth'

        LR:
            TYPE: 'log'
            KWARGS:
                start_lr: 0.005
                end_lr: 0.00005
        LR_WARMUP:
            TYPE: 'step'
            EPOCH: 5
            KWARGS:
                start_lr: 0.001
                end_lr: 0.005
                step: 1

    DATASET:
        NAMES:
        - 'VID'
        - 'YOUTUBEBB'
        - 'COCO'
        - 'DET'
        - 'GOT10K'
        - 'LASOT'

        VIDEOS_PER_EPOCH: 1000000

        TEMPLATE:
            SHIFT: 4
            SCALE: 0.05
            BLUR: 0.0
            FLIP: 0.0
            COLOR: 1.0

        SEARCH:
            SHIFT: 64
            SCALE: 0.18
            BLUR: 0.2
            FLIP: 0.0
            COLOR: 1.0

        NEG: 0.2
        GRAY: 0.2
    """
)


def test_official_config_loads_unchanged(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(OFFICIAL_OTB_YAML)
    cfg = load_config(path)
    assert cfg.meta_arc == "siamban_r50_l234_otb"
    assert cfg.backbone.type == "resnet50" and cfg.backbone.kwargs == {"used_layers": [2, 3, 4]}
    assert cfg.neck.in_channels == (512, 1024, 2048) and cfg.neck.out_channels == (256, 256, 256)
    assert cfg.head.weighted is True and cfg.head.cls_out_channels == 2
    assert cfg.track.window_influence == 0.3850733326567302
    assert cfg.track.penalty_k == 0.020530504470126613
    assert cfg.track.lr == 0.4730770315643308
    assert cfg.score_size == 25
    assert cfg.train.batch_size == 28 and cfg.train.lr_warmup.epoch == 5
    assert cfg.train.lr.kwargs == {"start_lr": 0.005, "end_lr": 0.00005}
    assert cfg.dataset.names == ("VID", "YOUTUBEBB", "COCO", "DET", "GOT10K", "LASOT")
    assert cfg.dataset.search.shift == 64 and cfg.dataset.search.blur == 0.2 and cfg.dataset.gray == 0.2
    # Values the official file leaves out come from the official code's defaults.
    assert cfg.train.momentum == 0.9 and cfg.train.weight_decay == 0.0001 and cfg.train.grad_clip == 10.0
    assert cfg.dataset.sources["GOT10K"].frame_range == 100 and cfg.dataset.sources["YOUTUBEBB"].frame_range == 3
    # The bundled OTB experiment is the same experiment.
    assert resolve_config("siamban_r50_l234_otb") == dataclasses.replace(
        cfg, backbone=cfg.backbone, train=cfg.train
    )


def test_round_trip_through_yaml(tmp_path):
    cfg = with_tracker_preset(SiamBANConfig(), "vot2019")
    save_config(cfg, tmp_path / "c.yaml", header="a comment")
    assert (tmp_path / "c.yaml").read_text().startswith("# a comment\n")
    assert load_config(tmp_path / "c.yaml") == cfg
    assert config_from_dict(config_to_dict(cfg)) == cfg


def test_presets_match_the_official_experiments():
    vot = resolve_config("siamban_r50_l234")
    assert (vot.track.window_influence, vot.track.penalty_k, vot.track.lr) == (
        0.4632532824922313,
        0.08513642556896711,
        0.44418184746462425,
    )
    cfg = with_tracker_preset(vot, "VOT2019")
    assert cfg.track.penalty_k == 0.0012159181005195463
    assert set(TRACKER_PRESETS) >= {"vot2018", "vot2019", "otb100", "default"}
    assert {"siamban_r50_l234", "siamban_r50_l234_otb"} <= set(bundled_config_names())


@pytest.mark.parametrize(
    "data, message",
    [
        ({"TRACK": {"PENALTY_Q": 1}}, "TRACK.PENALTY_Q: unknown key"),
        ({"TRACK": {"LR": "fast"}}, "TRACK.LR: expected a number"),
        ({"TRAIN": {"EPOCH": 2.5}}, "TRAIN.EPOCH: expected an integer"),
        ({"BAN": {"KWARGS": {"depth": 3}}}, "BAN.KWARGS.depth: unknown argument"),
        ({"ADJUST": {"ADJUST": "yes"}}, "ADJUST.ADJUST: expected true/false"),
    ],
)
def test_bad_values_name_the_key(data, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        config_from_dict(data)


def test_missing_or_invalid_files(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("TRACK: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match=r"unknown config 'siamban_r51' \(bundled: .*\): no such config file"):
        resolve_config("siamban_r51")
    with pytest.raises(ConfigError, match="unknown tracker preset"):
        with_tracker_preset(SiamBANConfig(), "lasot2030")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"POINT": {"STRIDE": 0}}, "POINT.STRIDE 0: must be at least 1"),
        ({"TRACK": {"EXEMPLAR_SIZE": 300}}, "TRACK.EXEMPLAR_SIZE 300: must be smaller than TRACK.INSTANCE_SIZE (255)"),
        ({"TRACK": {"PENALTY_K": float("nan")}}, "TRACK.PENALTY_K: nan is not a finite number"),
        ({"TRACK": {"PENALTY_K": -1}}, "TRACK.PENALTY_K -1.0: must be 0 or more"),
        ({"TRACK": {"LR": -5}}, "TRACK.LR -5.0: must lie in 0..1"),
        ({"TRACK": {"WINDOW_INFLUENCE": 1.5}}, "TRACK.WINDOW_INFLUENCE 1.5: must lie in 0..1"),
        ({"TRACK": {"CONTEXT_AMOUNT": -3}}, "TRACK.CONTEXT_AMOUNT -3.0: must be 0 or more"),
        ({"TRACK": {"LOST_FRAMES": 0}}, "TRACK.LOST_FRAMES 0: must be at least 1"),
        ({"TRAIN": {"BASE_LR": -0.1}}, "TRAIN.BASE_LR -0.1: must be 0 or more"),
        ({"TRAIN": {"LR": {"KWARGS": {"start_lr": -1}}}}, "TRAIN.LR.KWARGS.start_lr -1: must be 0 or more"),
        ({"TRAIN": {"MOMENTUM": float("inf")}}, "TRAIN.MOMENTUM: inf is not a finite number"),
        ({"DATASET": {"NEG": float("nan")}}, "DATASET.NEG: nan is not a finite number"),
    ],
)
def test_values_out_of_range_are_refused_naming_the_key(data, message):
    with pytest.raises(ConfigError) as caught:
        config_from_dict(data)
    assert str(caught.value).startswith(message)


def test_yaml_nan_and_a_binary_config_file_are_one_line(tmp_path):
    path = tmp_path / "nan.yaml"
    path.write_text("TRACK:\n  PENALTY_K: .nan\n")
    with pytest.raises(ConfigError, match=r"nan\.yaml: TRACK\.PENALTY_K: nan is not a finite number"):
        load_config(path)
    binary = tmp_path / "config.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ConfigError, match=r"config\.yaml: not a text file \(a config\.yaml is UTF-8 YAML\)"):
        load_config(binary)


def test_a_tracker_type_other_than_siamban_is_refused():
    import dataclasses

    from siamban.config import TrackConfig, check_track_config

    with pytest.raises(ConfigError, match="TRACK.TYPE 'SiamRPNTracker': siamban runs the SiamBANTracker only"):
        check_track_config(dataclasses.replace(TrackConfig(), type="SiamRPNTracker"), 8)
