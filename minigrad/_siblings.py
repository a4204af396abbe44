"""Import the top-level packages that ship beside ``minigrad`` (``optim``, ``nn``).

``optim`` lives at the project root, next to ``minigrad/``, and is also exposed as
``minigrad.optim``. An editable install made before such a package existed maps only
``minigrad`` (its finder does not put the project root on ``sys.path``), so a bare
``import optim`` would fail outside the project folder; a regular install puts both in
``site-packages``, side by side. Loading the sibling folder by path covers both, and a
package already being imported (``import optim`` before ``import minigrad``) is reused.
"""

import importlib
import importlib.util
import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def import_sibling(name):
    """The package ``name`` from the folder that holds ``minigrad``, imported once."""
    if name in sys.modules:
        return sys.modules[name]
    folder = os.path.join(_ROOT, name)
    init = os.path.join(folder, "__init__.py")
    if not os.path.isfile(init):
        return importlib.import_module(name)
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[folder])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
