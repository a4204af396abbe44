"""Load ``minigrad.nn`` and ``minigrad.optim``, which live beside ``minigrad/`` in the source tree.

The repository keeps ``nn/`` and ``optim/`` at its top, next to ``minigrad/``, but they are
only ever the subpackages ``minigrad.nn`` and ``minigrad.optim``: a wheel installs them as
``minigrad/nn`` and ``minigrad/optim`` (``setup.py``'s ``package_dir``), and from the source
tree (an editable install, or running in the project folder) this module loads the folder
under the dotted name. No top-level ``nn`` or ``optim`` is ever registered, so a learner's
own ``nn.py`` never shadows ours, nor ours theirs.
"""

import importlib
import importlib.util
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)


def import_sibling(name):
    """The subpackage ``minigrad.<name>``, from the installed package or the source tree."""
    full = f"minigrad.{name}"
    if full in sys.modules:
        return sys.modules[full]
    folder = os.path.join(_HERE, name)
    if os.path.isfile(os.path.join(folder, "__init__.py")):  # an installed wheel
        return importlib.import_module(full)
    folder = os.path.join(_ROOT, name)
    init = os.path.join(folder, "__init__.py")
    spec = importlib.util.spec_from_file_location(full, init, submodule_search_locations=[folder])
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[full]
        raise
    return module
