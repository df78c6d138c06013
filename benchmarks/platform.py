"""`python benchmarks/platform.py`: the platform benchmark (the code is in platform_bench.py).

Scripts in this folder run with it first on ``sys.path``, so a library's ``import platform`` finds this file: imported
rather than run, it becomes the standard library's ``platform`` module.
"""

import sys

if __name__ == "__main__":
    from platform_bench import main

    sys.exit(main())
else:
    import importlib.util
    import sysconfig

    _spec = importlib.util.spec_from_file_location("platform", f"{sysconfig.get_paths()['stdlib']}/platform.py")
    _stdlib = importlib.util.module_from_spec(_spec)
    sys.modules[__name__] = _stdlib  # what `import platform` hands back
    _spec.loader.exec_module(_stdlib)
