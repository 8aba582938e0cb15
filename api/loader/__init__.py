"""The dataset loader: validate a whole file, then load it in one transaction."""

from api.loader.errors import DatasetError
from api.loader.load import LoadReport, load_dataset, load_dataset_file
from api.loader.read import read_dataset

__all__ = ["DatasetError", "LoadReport", "load_dataset", "load_dataset_file", "read_dataset"]
