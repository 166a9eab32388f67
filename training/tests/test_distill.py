"""The distillation loss: the teacher's outputs replace the labels in proportion to --distill-weight."""

import torch

from agegender_train.config import TrainConfig
from agegender_train.train import loss_fn


def test_teacher_targets_replace_the_labels_by_their_weight() -> None:
    gen = torch.Generator().manual_seed(0)
    cfg = TrainConfig(max_age=20)
    age_logits, female_logit = torch.randn(6, 21, generator=gen), torch.randn(6, generator=gen)
    teacher = (torch.softmax(torch.randn(6, 21, generator=gen), dim=1), torch.rand(6, generator=gen))
    ages, genders = torch.randint(0, 21, (6,), generator=gen), torch.randint(0, 2, (6,), generator=gen)
    other_ages, other_genders = (ages + 7) % 21, 1 - genders

    plain = loss_fn(age_logits, female_logit, ages, genders, cfg)
    # Weight 0: the teacher changes nothing.
    assert torch.allclose(
        loss_fn(age_logits, female_logit, ages, genders, TrainConfig(max_age=20, distill_weight=0.0), teacher), plain
    )
    # Weight 1: only the teacher counts, the labels not at all...
    only_teacher = TrainConfig(max_age=20, distill_weight=1.0)
    assert torch.allclose(
        loss_fn(age_logits, female_logit, ages, genders, only_teacher, teacher),
        loss_fn(age_logits, female_logit, other_ages, other_genders, only_teacher, teacher),
    )
    # ...and a student that already outputs the teacher's distribution scores better than one that does not.
    copied = loss_fn(teacher[0].log(), torch.logit(teacher[1]), ages, genders, only_teacher, teacher)
    assert copied < loss_fn(age_logits, female_logit, ages, genders, only_teacher, teacher)
    # In between, the labels count too.
    half = TrainConfig(max_age=20, distill_weight=0.5)
    assert not torch.allclose(
        loss_fn(age_logits, female_logit, ages, genders, half, teacher),
        loss_fn(age_logits, female_logit, other_ages, other_genders, half, teacher),
    )
