import math

import numpy as np
import pytest
import torch

from agegender_train.config import GeometryConfig
from agegender_train.model import AgeGenderNet, SameConv2d, load_imagenet_weights, tfjs_layer_weights
from agegender_train.preprocess import augment, to_model_input


@pytest.mark.parametrize("size,kernel,stride", [(128, 3, 2), (127, 3, 2), (64, 5, 2), (33, 5, 1)])
def test_same_padding_follows_tensorflow(size: int, kernel: int, stride: int) -> None:
    conv = SameConv2d(1, 1, kernel, stride=stride, bias=False)
    torch.nn.init.ones_(conv.weight)
    out = conv(torch.ones(1, 1, size, size))
    assert out.shape[-1] == math.ceil(size / stride)
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    # The top-left output sees `total // 2` padded rows above it (TensorFlow puts the extra one below).
    assert out[0, 0, 0, 0].item() == (kernel - total // 2) ** 2


def test_imagenet_weights_load_into_the_backbone() -> None:
    model = AgeGenderNet("efficientnet_lite0", max_age=100)
    before = model._conv_stem.weight.clone()
    load_imagenet_weights(model)
    assert not torch.equal(before, model._conv_stem.weight)
    age_logits, female_logit = model.eval()(torch.zeros(2, 3, 64, 64))
    assert age_logits.shape == (2, 101) and female_logit.shape == (2,)


def test_a_narrower_network_gets_the_first_channels_of_each_imagenet_layer() -> None:
    full, half = AgeGenderNet("efficientnet_lite0", max_age=100), AgeGenderNet("efficientnet_lite0_w050", max_age=100)
    load_imagenet_weights(full)
    load_imagenet_weights(half)
    assert torch.equal(half._conv_stem.weight, full._conv_stem.weight[:16, :3])
    project, full_project = half._blocks[5]._project_conv.weight, full._blocks[5]._project_conv.weight
    assert project.shape[:2] == (40, 120) and full_project.shape[:2] == (80, 240)
    assert torch.equal(project, full_project[:40, :120])
    assert sum(p.numel() for p in half.parameters()) < 900_000  # under 1 MB at 8 bits per weight


def test_a_shorter_network_gets_its_stages_whole_and_a_fresh_head() -> None:
    full, short = AgeGenderNet("efficientnet_lite0", max_age=100), AgeGenderNet("efficientnet_lite0_s5", max_age=100)
    load_imagenet_weights(full)
    torch.manual_seed(0)
    fresh_head = AgeGenderNet("efficientnet_lite0_s5", max_age=100)._conv_head.weight.clone()
    torch.manual_seed(0)
    short = AgeGenderNet("efficientnet_lite0_s5", max_age=100)
    load_imagenet_weights(short)
    assert len(short._blocks) == 11
    assert torch.equal(short._conv_stem.weight, full._conv_stem.weight) and torch.equal(
        short._bn0.running_var, full._bn0.running_var
    )
    for mine, theirs in zip(short._blocks, full._blocks):
        for (name, a), (_, b) in zip(mine.state_dict().items(), theirs.state_dict().items()):
            assert torch.equal(a, b), name
    assert torch.equal(short._conv_head.weight, fresh_head)  # fed by stage 5, not the file's last stage
    assert sum(p.numel() for p in short.parameters()) < 1_000_000
    with pytest.raises(ValueError, match="ImageNet weights exist only"):  # neither narrower nor its first stages
        load_imagenet_weights(AgeGenderNet("tiny", max_age=100))


def test_tfjs_weights_cover_every_parameter_once() -> None:
    model = AgeGenderNet("tiny", max_age=100)
    exported = sum(a.size for arrays in tfjs_layer_weights(model).values() for a in arrays)
    bn_buffers = sum(m.running_mean.numel() * 2 for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert exported == sum(p.numel() for p in model.parameters()) + bn_buffers


def test_identity_augmentation_is_the_plain_resize() -> None:
    images = np.random.default_rng(0).integers(0, 256, (4, 200, 200, 3), dtype=np.uint8)
    plain = to_model_input(images, 64)
    still = GeometryConfig(max_rotate_deg=0, max_scale=0, max_shift=0, p_off_centre=0, p_turned=0)
    augmented = augment(images, 64, torch.Generator().manual_seed(0), geometry=still)
    for p, a in zip(plain, augmented):  # flips stay random
        assert min((p - a).abs().max(), (p.flip(-1) - a).abs().max()) < 1e-4
    assert not torch.allclose(augment(images, 64, torch.Generator().manual_seed(0)), plain)
