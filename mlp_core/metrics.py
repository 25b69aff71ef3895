"""Accuracy, mean loss and the confusion matrix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .functions import cross_entropy_sum
from .model import MLP, as_float


@dataclass(frozen=True)
class Evaluation:
    loss: float  # mean cross-entropy per example
    accuracy: float  # fraction predicted right
    predictions: np.ndarray  # (N,) predicted classes
    confidence: np.ndarray  # (N,) probability of the predicted class


def evaluate(model: MLP, x: np.ndarray, labels: np.ndarray, batch: int = 2_000) -> Evaluation:
    """Loss, accuracy and predictions of ``model`` on (N, 784) images (uint8 or [0, 1] floats).

    Works through ``batch`` images at a time: a float copy of 2,000 images is 6 MB
    (float32), so many sessions of a shared server can evaluate at once.
    """
    n = x.shape[0]
    if n == 0:
        raise ValueError("cannot evaluate on an empty set")
    loss_sum = 0.0
    preds = np.empty(n, dtype=np.int64)
    conf = np.empty(n, dtype=np.float64)
    for i in range(0, n, batch):
        xb = as_float(x[i : i + batch], model.dtype)
        yb = labels[i : i + batch]
        y_hat, cache = model.forward(xb)
        loss_sum += cross_entropy_sum(cache.theta, yb)
        preds[i : i + batch] = y_hat.argmax(axis=1)
        conf[i : i + batch] = y_hat.max(axis=1)
    return Evaluation(loss_sum / n, float(np.mean(preds == labels)), preds, conf)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """(K, K) counts: row = true class, column = predicted class."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    flat = np.bincount(labels * num_classes + predictions, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)
