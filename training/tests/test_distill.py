"""The distillation losses: the teacher's outputs replace the labels in proportion to --distill-weight."""

import torch

from agegender_train.config import TrainConfig
from agegender_train.train import loss_fn, real_photo_loss


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


def test_a_teacher_on_real_faces_weighs_in_by_the_distillation_weight() -> None:
    gen = torch.Generator().manual_seed(1)
    age_logits, female_logit = torch.randn(4, 21, generator=gen), torch.randn(4, generator=gen)
    teacher = (torch.softmax(torch.randn(4, 21, generator=gen), dim=1), torch.rand(4, generator=gen))
    ranges, female = torch.tensor([[3, 3], [20, 29], [7, 7], [10, 19]]), torch.tensor([1, 0, -1, 1])
    other_ranges, other_female = torch.tensor([[15, 15], [0, 2], [12, 12], [3, 9]]), torch.tensor([0, 1, -1, 0])

    def loss(weight: float, ranges: torch.Tensor, female: torch.Tensor, taught: tuple | None = teacher) -> torch.Tensor:
        cfg = TrainConfig(max_age=20, distill_weight=weight, gender_loss_weight=3.0)
        return real_photo_loss(age_logits, female_logit, ranges, female, cfg, taught)

    # Weight 0: the labels alone; weight 1: the teacher alone, per face, whatever the labels (groups or exact ages).
    assert torch.allclose(loss(0.0, ranges, female), loss(0.5, ranges, female, None))
    assert torch.allclose(loss(1.0, ranges, female), loss(1.0, other_ranges, other_female))
    assert not torch.allclose(loss(0.5, ranges, female), loss(0.5, other_ranges, other_female))
    # A student that answers as the teacher scores better, face by face, than one that does not.
    cfg = TrainConfig(max_age=20, distill_weight=1.0)
    copied = real_photo_loss(teacher[0].log(), torch.logit(teacher[1]), ranges, female, cfg, teacher)
    assert (copied < loss(1.0, ranges, female)).all()
