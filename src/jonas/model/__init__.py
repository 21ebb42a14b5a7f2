"""The model: a scenario compiled into arrays every engine runs (:class:`Model`), the rate
expressions, the built-in families and the analysis of published models."""

from jonas.model.arrays import Events, Model, TimeRates
from jonas.model.compile import compile_model, output_times

__all__ = ["Events", "Model", "TimeRates", "compile_model", "output_times"]
