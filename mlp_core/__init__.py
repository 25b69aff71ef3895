"""Backprop Lab's core: the seed notebook's two-layer network in NumPy.

x (784) -> z = W_h x -> h = ReLU(z) -> theta = W_o h -> y_hat = softmax(theta),
trained by the backpropagation it derives. Never imports streamlit.
"""

from .config import PRESETS, TrainConfig, preset
from .data import Dataset, DatasetError, load_mnist
from .io import ModelFileError, SavedModel, load_default_model, load_model, model_to_bytes, save_model
from .metrics import Evaluation, confusion_matrix, evaluate
from .model import MLP, Cache, as_float
from .train import EpochRecord, Trainer, train

__all__ = [
    "MLP",
    "PRESETS",
    "Cache",
    "Dataset",
    "DatasetError",
    "EpochRecord",
    "Evaluation",
    "ModelFileError",
    "SavedModel",
    "TrainConfig",
    "Trainer",
    "as_float",
    "confusion_matrix",
    "evaluate",
    "load_default_model",
    "load_mnist",
    "load_model",
    "model_to_bytes",
    "preset",
    "save_model",
    "train",
]
