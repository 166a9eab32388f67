"""Training on several processes (one machine or many) with DistributedDataParallel under torchrun.

    torchrun --nproc_per_node 2 -m agegender_train.train --threads 1 ...

torchrun sets RANK, LOCAL_RANK and WORLD_SIZE; without them training runs as the one process it always
was. Every process holds the whole model and sees its share of each batch; gradients are averaged
between them after every backward pass (gloo on CPUs, NCCL on GPUs). Rank 0 alone prints, validates,
writes checkpoints and evaluates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Processes:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def share_of(self, batch: torch.Tensor) -> torch.Tensor:
        """This process's part of a batch of indices (every world_size-th, from offset rank)."""
        return batch[self.rank :: self.world_size]

    def sum(self, value: float) -> float:
        """`value` summed over all processes."""
        if not self.distributed:
            return value
        t = torch.tensor([value], dtype=torch.float64)
        dist.all_reduce(t)
        return float(t.item())

    def check_identical(self, values: torch.Tensor, what: str) -> None:
        """Raise on every process unless all hold exactly these values (e.g. the trained weights)."""
        if not self.distributed:
            return
        reference = values.clone()
        dist.broadcast(reference, 0)
        differs = torch.tensor([float(not torch.equal(reference, values))])
        dist.all_reduce(differs)
        if differs.item():
            raise RuntimeError(f"the {self.world_size} training processes ended with different {what}")

    def stop(self) -> None:
        if self.distributed:
            dist.destroy_process_group()


def start_processes(device: torch.device) -> tuple[Processes, torch.device]:
    """Join the process group torchrun set up (if any); on GPUs each process takes the one of its local rank."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Processes(), device
    procs = Processes(int(os.environ["RANK"]), world_size, int(os.environ.get("LOCAL_RANK", "0")))
    if device.type == "cuda":
        torch.cuda.set_device(procs.local_rank)
        device = torch.device("cuda", procs.local_rank)
    # NCCL for the gradients on GPUs; gloo beside it for the few CPU tensors (the epoch's loss, the final weight check).
    dist.init_process_group("cuda:nccl,cpu:gloo" if device.type == "cuda" else "gloo")
    return procs, device
