"""optimize_for_inference: the rewritten network computes the same maps (fp32) or nearly (bf16)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from probe_model import moving_square_video, probe_model
from siamban.config import resolve_config
from siamban.errors import ConfigError
from siamban.geometry import iou_xywh
from siamban.inference import InferenceModel, fold_batchnorm, optimize_for_inference, set_inference_threads
from siamban.inference.cuda import CudaGraphStep
from siamban.inference.onednn import PackedConv2d, onednn_available
from siamban.models import build_model
from siamban.tracker import SiamBANTracker
from siamban.tracker.sequence import track_frames


def random_batchnorm(model: nn.Module) -> nn.Module:
    """Random BN affine parameters, and running statistics taken from one batch (as if calibrated), so that folding
    is not a no-op and the random network's activations stay in range; a small regression scale keeps ``exp`` of
    its output finite."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        model.head.loc_scale.fill_(0.1)
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.momentum = 1.0
                module.weight.copy_(0.5 + torch.rand(module.num_features, generator=generator))
                module.bias.copy_(0.2 * torch.randn(module.num_features, generator=generator))
        model.train()(torch.rand(1, 3, 127, 127, generator=generator) * 255, torch.rand(1, 3, 191, 191) * 255)
    return model.eval()


def relative_error(ours: torch.Tensor, reference: torch.Tensor) -> float:
    """Max abs difference / max abs reference value (the golden data's measure)."""
    return float((ours.double() - reference.double()).abs().max() / reference.double().abs().max())


def maps(
    model: nn.Module, batch: int = 1, search: int = 191, dtype: torch.dtype = torch.float32
) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(2)
    z = (torch.rand(1, 3, 127, 127, generator=generator) * 255).to(dtype)
    x = (torch.rand(batch, 3, search, search, generator=generator) * 255).to(dtype)
    with torch.inference_mode():
        return model.track(x, model.template(z))


@pytest.mark.slow
@pytest.mark.parametrize("config, batch", [("siamban_lite0", 2), ("siamban_r50_l234", 1)])
def test_folded_and_packed_networks_give_the_same_maps(config, batch):
    """Within 1e-4 of the eager network; measured against float64, no further off than eager fp32 itself is
    (a random 50-layer network amplifies summation-order noise to about 1e-4, whatever the order)."""
    model = random_batchnorm(build_model(resolve_config(config)))
    reference = maps(copy.deepcopy(model).double(), batch, dtype=torch.float64)
    eager = maps(model, batch)
    eager_error = max(relative_error(ours, ref) for ours, ref in zip(eager, reference))
    folded = fold_batchnorm(model)
    assert not any(type(m) is nn.BatchNorm2d for m in folded.modules())
    optimized = optimize_for_inference(model)
    assert isinstance(optimized, InferenceModel)
    for rewritten in (folded, optimized):
        ours = maps(rewritten, batch)
        assert ours[0].dtype == torch.float32 and ours[0].shape == eager[0].shape
        assert max(relative_error(a, b) for a, b in zip(ours, eager)) < 3e-4
        assert max(relative_error(a, b) for a, b in zip(ours, reference)) <= max(1e-4, 1.2 * eager_error)
    assert any(type(m) is nn.BatchNorm2d for m in model.modules())  # the original is left as it was


@pytest.mark.skipif(not onednn_available(), reason="this PyTorch build has no oneDNN fused convolutions")
@pytest.mark.parametrize(
    "config, convs", [("siamban_lite0", 60), pytest.param("siamban_r50_l234", 80, marks=pytest.mark.slow)]
)
def test_every_convolution_is_packed_with_its_activation_fused(config, convs):
    optimized = optimize_for_inference(build_model(resolve_config(config)).eval())
    leaves = [m for m in optimized.modules() if not list(m.children())]
    assert sum(isinstance(m, PackedConv2d) for m in leaves) == convs
    assert not any(isinstance(m, (nn.Conv2d, nn.ReLU, nn.Hardtanh, nn.BatchNorm2d)) for m in leaves)


@pytest.mark.slow
def test_bf16_maps_are_close_and_float32():
    model = random_batchnorm(build_model(resolve_config("siamban_lite0")))
    cls, loc = maps(model)
    ours_cls, ours_loc = maps(optimize_for_inference(model, "bf16"))
    assert ours_cls.dtype == torch.float32 and ours_loc.dtype == torch.float32
    # bf16 keeps 8 bits of mantissa: not exact, not far (measured 0.12 and 0.014; a random network's logits are
    # small differences of large sums, so trained weights do better: see benchmarks/speed.py's IoU check)
    assert 0 < relative_error(ours_cls, cls) < 0.25
    assert relative_error(ours_loc, loc) < 0.05


def _track(model: nn.Module, frames: list[np.ndarray], box: np.ndarray) -> np.ndarray:
    tracker = SiamBANTracker(model, device="cpu")
    return np.array([r.box for _, _, r in track_frames(tracker, frames, box)])


def test_bf16_tracks_like_fp32_on_a_moving_square():
    frames, truth = moving_square_video(12)
    fp32 = _track(optimize_for_inference(probe_model()), frames, truth[0])
    bf16 = _track(optimize_for_inference(probe_model(), "bf16"), frames, truth[0])
    eager = _track(probe_model(), frames, truth[0])
    assert iou_xywh(fp32, eager).min() > 0.999
    assert iou_xywh(bf16, fp32).mean() > 0.95
    assert iou_xywh(bf16, truth).mean() > 0.7


def test_unknown_precision_and_fp16_on_cpu_are_refused():
    with pytest.raises(ConfigError, match="'int4'"):
        optimize_for_inference(probe_model(), "int4")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="fp16"):
        optimize_for_inference(probe_model(), "fp16")


def test_threads_follow_omp_num_threads_else_physical_cores(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        assert set_inference_threads() == 1 and torch.get_num_threads() == 1
        monkeypatch.delenv("OMP_NUM_THREADS")
        assert 1 <= set_inference_threads() <= (torch.multiprocessing.cpu_count() or 1)
    finally:
        torch.set_num_threads(before)


def test_cuda_graph_step_falls_back_on_cpu_tensors():
    network = optimize_for_inference(probe_model(), pack=False)
    step = CudaGraphStep(network)
    z, x = torch.rand(1, 3, 127, 127) * 255, torch.rand(1, 3, 255, 255) * 255
    with torch.inference_mode():
        kernels = step.template(z)
        for ours, reference in zip(step.track(x, kernels), network.track(x, kernels)):
            assert torch.equal(ours, reference)


def test_channels_last_only_without_depthwise_convolutions():
    from siamban.inference.optimize import prefers_channels_last

    dense = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(8, 8, 3, groups=2))  # grouped, not depthwise: ResNet-like
    depthwise = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(8, 8, 3, groups=8))
    assert prefers_channels_last(dense) and not prefers_channels_last(depthwise)
    lite0 = build_model(resolve_config("siamban_lite0"))
    assert not prefers_channels_last(lite0)
    fast = optimize_for_inference(lite0, pack=False)
    assert isinstance(fast, InferenceModel) and fast.memory_format == torch.contiguous_format
    forced = optimize_for_inference(lite0, pack=False, channels_last=True)
    assert isinstance(forced, InferenceModel) and forced.memory_format == torch.channels_last
