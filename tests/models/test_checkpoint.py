import pytest
import torch

from golden import KEYS_FILE, official_keys
from siamban.config import SiamBANConfig
from siamban.errors import CheckpointError
from siamban.models import build_model, load_weights, read_state_dict

pytestmark = pytest.mark.skipif(not KEYS_FILE.is_file(), reason="../shared/golden is not present")


@pytest.fixture(scope="module")
def official_state():
    """A state dict in the official key layout, made from the key list (random values)."""
    gen = torch.Generator().manual_seed(0)
    state = {}
    for name, shape in official_keys():
        if name.endswith("num_batches_tracked"):
            state[name] = torch.tensor(0)
        else:
            state[name] = torch.rand(shape, generator=gen) + 0.5
    return state


def test_model_keys_are_exactly_the_official_ones():
    ours = build_model(SiamBANConfig()).state_dict()
    assert [(k, list(v.shape)) for k, v in ours.items()] == [(k, list(s)) for k, s in official_keys()]


@pytest.mark.parametrize("wrap", ["raw", "state_dict", "module", "state_dict+module"])
def test_official_layouts_load(tmp_path, official_state, wrap):
    state = official_state
    if "module" in wrap:
        state = {f"module.{k}": v for k, v in state.items()}
    if "state_dict" in wrap:
        state = {"epoch": 19, "state_dict": state, "optimizer": {"param_groups": []}}
    path = tmp_path / "model.pth"
    torch.save(state, path)
    model = load_weights(build_model(SiamBANConfig()), path)
    loaded = model.state_dict()
    assert torch.equal(loaded["head.loc_scale"], official_state["head.loc_scale"])
    assert torch.equal(loaded["backbone.layer4.2.conv3.weight"], official_state["backbone.layer4.2.conv3.weight"])


def test_fp16_weights_load_as_float32(tmp_path, official_state):
    half = {k: (v.half() if v.is_floating_point() else v) for k, v in official_state.items()}
    torch.save(half, tmp_path / "half.pth")
    model = load_weights(build_model(SiamBANConfig()), tmp_path / "half.pth")
    assert model.head.cls_weight.dtype == torch.float32


def test_a_checkpoint_that_does_not_fit_lists_every_problem(tmp_path, official_state):
    state = dict(official_state)
    del state["head.cls_weight"]
    state["head.extra"] = torch.zeros(1)
    state["neck.downsample2.downsample.0.weight"] = torch.zeros(128, 512, 1, 1)
    torch.save(state, tmp_path / "bad.pth")
    with pytest.raises(CheckpointError) as err:
        load_weights(build_model(SiamBANConfig()), tmp_path / "bad.pth")
    message = str(err.value)
    assert "does not fit the model config" in message
    assert "1 missing (head.cls_weight)" in message
    assert "1 unexpected (head.extra)" in message
    assert "neck.downsample2.downsample.0.weight expects [256, 512, 1, 1] got [128, 512, 1, 1]" in message
    assert "\n" not in message


def test_unreadable_checkpoints(tmp_path):
    with pytest.raises(CheckpointError, match="checkpoint file not found"):
        read_state_dict(tmp_path / "none.pth")
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="not a readable PyTorch checkpoint"):
        read_state_dict(tmp_path / "junk.pth")
    torch.save({"epoch": 3}, tmp_path / "empty.pth")
    with pytest.raises(CheckpointError, match="holds no tensors"):
        read_state_dict(tmp_path / "empty.pth")
