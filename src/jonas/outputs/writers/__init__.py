"""The writers a finished run's folder gets, one module each (see
:func:`jonas.outputs.finished.finish`): a new kind of output is a new module here declaring
``WRITERS``."""
