"""The loss of a network (catalog LOSS_ALIASES names) and how outputs become predictions.

``cross_entropy`` takes logits: a final softmax is folded into it, as is a final sigmoid into
``binary_cross_entropy``, which is both faster and numerically safer than keeping them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

#: canonical loss -> (criterion factory, activation it folds in when it ends the network)
LOSS_MODULES: dict[str, tuple[type[nn.Module], str | None]] = {
    "cross_entropy": (nn.CrossEntropyLoss, "softmax"),
    "nll": (nn.NLLLoss, None),
    "binary_cross_entropy": (nn.BCEWithLogitsLoss, "sigmoid"),
    "mse": (nn.MSELoss, None),
    "mae": (nn.L1Loss, None),
    "huber": (nn.HuberLoss, None),
    "smooth_l1": (nn.SmoothL1Loss, None),
}

_CLASS_INDEX_LOSSES = ("cross_entropy", "nll")


@dataclass
class LossHead:
    """A criterion with the target conversion and prediction rule that go with it."""

    name: str
    criterion: nn.Module
    folded: bool

    def targets(self, y: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
        """``y`` in the form the criterion wants: class indices, or floats shaped as outputs
        (integer labels become one-hot when the outputs have several features)."""
        if self.name in _CLASS_INDEX_LOSSES:
            return y.long()
        if outputs.dim() == 2 and outputs.shape[1] > 1 and y.dim() == 1:
            return F.one_hot(y.long(), outputs.shape[1]).to(outputs.dtype)
        return y.to(outputs.dtype).reshape(outputs.shape)

    def __call__(self, outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.criterion(outputs, self.targets(y, outputs))

    def probabilities(self, outputs: torch.Tensor) -> torch.Tensor:
        """Class probabilities of the outputs, as the loss reads them: softmax of cross-entropy's
        logits, exp of nll's log-probabilities, sigmoid of a folded sigmoid's logit; other
        outputs as they are."""
        if self.name == "cross_entropy":
            return outputs.softmax(dim=-1)
        if self.name == "nll":
            return outputs.exp()
        if self.name == "binary_cross_entropy" and self.folded:
            return outputs.sigmoid()
        return outputs

    def predict(self, outputs: torch.Tensor) -> torch.Tensor:
        """Predicted class per sample: argmax of several outputs, a threshold on one."""
        if outputs.dim() == 2 and outputs.shape[1] > 1:
            return outputs.argmax(dim=1)
        flat = outputs.reshape(outputs.shape[0])
        threshold = 0.0 if self.folded else 0.5
        return (flat > threshold).long()


def make_loss(name: str, last_activation: str | None) -> LossHead:
    """The loss ``name`` for a network whose last layer ends in ``last_activation``."""
    if name not in LOSS_MODULES:
        raise ValueError(f"the torch builder has no loss {name!r}")
    factory, folds = LOSS_MODULES[name]
    folded = folds is not None and last_activation == folds
    if name == "binary_cross_entropy" and not folded:
        return LossHead(name, nn.BCELoss(), False)
    return LossHead(name, factory(), folded)
