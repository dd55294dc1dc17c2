import pytest
import torch
import torch.nn.functional as F

from siamban.config import SiamBANConfig
from siamban.models import build_head, build_model, count_parameters
from siamban.models.head import xcorr_depthwise
from siamban.models.neck import AdjustLayer, center_crop


@pytest.fixture(scope="module")
def r50():
    return build_model(SiamBANConfig()).eval()


def test_every_stage_has_the_official_shape():
    # Shapes only: on the meta device (no storage, no arithmetic) the full-size R50 runs in about a second.
    with torch.device("meta"):
        model = build_model(SiamBANConfig()).eval()
        zb, xb = model.backbone(torch.empty(1, 3, 127, 127)), model.backbone(torch.empty(2, 3, 255, 255))
        assert [tuple(f.shape) for f in zb] == [(1, 512, 15, 15), (1, 1024, 15, 15), (1, 2048, 15, 15)]
        assert [tuple(f.shape) for f in xb] == [(2, 512, 31, 31), (2, 1024, 31, 31), (2, 2048, 31, 31)]
        zn, xn = model.neck(zb), model.neck(xb)
        assert [tuple(f.shape) for f in zn] == [(1, 256, 7, 7)] * 3
        assert [tuple(f.shape) for f in xn] == [(2, 256, 31, 31)] * 3
        kernels = model.head.make_kernels(zn)
        assert len(kernels) == 6 and all(tuple(k.shape) == (1, 256, 5, 5) for k in kernels)
        cls, loc = model.head.track(xn, kernels)
    assert tuple(cls.shape) == (2, 2, 25, 25) and tuple(loc.shape) == (2, 4, 25, 25)
    assert count_parameters(model) == 53_932_123  # 53.9 M (official-siamban.md)
    assert count_parameters(model.backbone) == pytest.approx(45.5e6, rel=0.01)


def test_the_official_heads_give_positive_distances_from_real_features():
    # The same heads as the R50 model, fed real (random-weight) neck features: exp makes every distance positive.
    head = build_head(SiamBANConfig().head).eval()
    zn = [torch.randn(1, 256, 7, 7) for _ in range(3)]
    xn = [torch.randn(2, 256, 15, 15) * 10 for _ in range(3)]  # a smaller search than 31 keeps it fast
    with torch.inference_mode():
        cls, loc = head.track(xn, head.make_kernels(zn))
    assert tuple(cls.shape) == (2, 2, 9, 9) and (loc > 0).all() and torch.isfinite(loc).all()
    assert loc.min() < 1 < 100 < loc.max()  # distances spread over orders of magnitude, none clipped to one value


def test_center_crop_keeps_indices_4_to_10():
    features = torch.arange(15 * 15, dtype=torch.float32).reshape(1, 1, 15, 15)
    crop = center_crop(features, 7)
    assert crop.shape == (1, 1, 7, 7)
    assert crop[0, 0, 0, 0].item() == 4 * 15 + 4 and crop[0, 0, -1, -1].item() == 10 * 15 + 10
    layer = AdjustLayer(1, 1)
    with torch.no_grad():
        layer.downsample[0].weight.fill_(1.0)
    layer.eval()
    assert layer(features).shape[-1] == 7  # template-sized map: cropped
    assert layer(torch.zeros(1, 1, 31, 31)).shape[-1] == 31  # search-sized map: untouched


def test_depthwise_xcorr_matches_a_naive_loop():
    gen = torch.Generator().manual_seed(1)
    search = torch.randn(2, 3, 9, 8, generator=gen)
    kernel = torch.randn(2, 3, 3, 2, generator=gen)
    out = xcorr_depthwise(search, kernel)
    naive = torch.zeros(2, 3, 7, 7)
    for b in range(2):
        for c in range(3):
            for i in range(7):
                for j in range(7):
                    naive[b, c, i, j] = (search[b, c, i : i + 3, j : j + 2] * kernel[b, c]).sum()
    assert torch.allclose(out, naive, atol=1e-5)
    # A kernel batch of one is shared by every search item.
    shared = xcorr_depthwise(search, kernel[:1])
    assert torch.allclose(shared[1], F.conv2d(search[1:2], kernel[0].unsqueeze(1), groups=3)[0], atol=1e-5)


@pytest.mark.slow
def test_each_search_is_matched_against_its_own_template(r50):
    # Batched tracking relies on row i of the maps depending only on template i and search i.
    gen = torch.Generator().manual_seed(0)
    z = torch.rand(2, 3, 127, 127, generator=gen) * 255
    x = torch.rand(2, 3, 255, 255, generator=gen) * 255
    with torch.inference_mode():
        cls, loc = r50.track(x, r50.template(z))
        singles = [r50.track(x[i : i + 1], r50.template(z[i : i + 1])) for i in range(2)]
        swapped, _ = r50.track(x, r50.template(z.flip(0)))
    for i, (cls_i, loc_i) in enumerate(singles):
        assert torch.allclose(cls[i], cls_i[0], rtol=1e-4, atol=1.0) and torch.allclose(loc[i], loc_i[0], rtol=1e-4)
    # and the template matters: another template gives other maps for the same search
    assert (swapped[0] - cls[0]).abs().max() > 0.01 * cls[0].abs().max()
