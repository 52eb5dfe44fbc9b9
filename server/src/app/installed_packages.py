"""Says, for each top-level module name given on stdin (a JSON list), where the kernel's Python
finds it: the standard library, an installed distribution (its name and version), a file that
belongs to no distribution (beside the notebook, on sys.path), or nowhere. Prints one JSON object.

Run by cellpipe with the notebook kernel's interpreter and the notebook's folder as the working
folder, so that what it reports is what Run All would import. Standard library only; Python 3.9+.
"""

import importlib.machinery
import importlib.metadata as metadata
import importlib.util
import json
import os
import site
import sys


def _stdlib_names():
    names = set(sys.builtin_module_names)
    names.update(getattr(sys, "stdlib_module_names", ()))  # 3.10+
    if not getattr(sys, "stdlib_module_names", None):  # 3.9: what lives in the stdlib folder
        import os
        import sysconfig

        stdlib = sysconfig.get_paths()["stdlib"]
        for entry in os.listdir(stdlib):
            names.add(entry[:-3] if entry.endswith(".py") else entry)
    return names


def _top_level_distributions():
    """Import name -> distribution names, as packages_distributions() (3.10+) gives it."""
    if hasattr(metadata, "packages_distributions"):
        return metadata.packages_distributions()
    found = {}
    for dist in metadata.distributions():
        text = dist.read_text("top_level.txt") or ""
        tops = [line.strip() for line in text.splitlines() if line.strip()]
        for file in dist.files or ():
            parts = file.parts
            if parts and not parts[0].endswith((".dist-info", ".egg-info")) and parts[0] != "..":
                tops.append(parts[0][:-3] if parts[0].endswith(".py") else parts[0])
        for top in set(tops):
            found.setdefault(top, []).append(dist.metadata["Name"])
    return found


def _describe(module, stdlib, distributions):
    if module in stdlib:
        return {"kind": "stdlib"}
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as error:
        return {"kind": "missing", "error": "%s: %s" % (type(error).__name__, error)}
    if spec is None:
        return {"kind": "missing"}
    names = sorted(set(distributions.get(module) or ()))
    if not names:
        return {
            "kind": "unpackaged",
            "origin": spec.origin or (list(spec.submodule_search_locations or []) or [None])[0],
        }
    dist = metadata.distribution(names[0])
    return {"kind": "distribution", "name": dist.metadata["Name"], "version": dist.version}


def _stamps(modules):
    """The modification times (ns) of the places the answers come from, taken before reading them:
    each sys.path entry, the user's site-packages, None for a path that does not exist. The
    notebook's folder changes as the user works in it (compiled files land there): of it, only the
    names the modules would have there. While they hold, the answers hold (server/src/app/stampedCache.ts)."""
    cwd = os.path.abspath(os.curdir)
    paths = []
    for entry in sys.path:
        path = os.path.abspath(entry or os.curdir)
        if path == cwd:
            suffixes = ["", *importlib.machinery.all_suffixes()]
            paths += [os.path.join(path, module + suffix) for module in modules for suffix in suffixes]
        else:
            paths.append(path)
    if not sys.flags.no_user_site:
        paths.append(site.getusersitepackages())
    stamps = {}
    for path in paths:
        try:
            stamps[path] = str(os.stat(path).st_mtime_ns)
        except OSError:
            stamps[path] = None
    return stamps


def main():
    modules = json.load(sys.stdin)
    stamps = _stamps(modules)
    stdlib = _stdlib_names()
    distributions = _top_level_distributions()
    report = {
        "python": "%d.%d.%d" % sys.version_info[:3],
        "modules": dict((module, _describe(module, stdlib, distributions)) for module in modules),
        "stamps": stamps,
    }
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
