"""The additive model under the import path its model files record (see ``propensity.model.STORED_MODULE``)."""

from repcompanion.intel.propensity.model import AdditiveLogit, _Block

__all__ = ["AdditiveLogit", "_Block"]
