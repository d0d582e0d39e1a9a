"""optbench_golden: replays optbench golden update vector files through a
torch.optim.Optimizer class, the check `optbench verify` makes for
optbench's own optimizers.

    PYTHONPATH=python python3 -m optbench_golden FILE... MODULE:CLASS [--ignore KEYS] [--arg KEY=VALUE]

A golden file (written by `optbench golden`, or the files of tests/golden/)
holds an optimizer configuration, tensors with shapes and roles, the initial
parameters, and per step the gradient given and the parameters after it.
The class (any torch.optim.Optimizer, e.g. torch.optim:AdamW or
my_module:MyLion) is built over one torch parameter per tensor of the file,
in parameter groups by role (matrices, embeddings, vectors) with the file's
group overrides (GROUP.KEY=value; GROUP.lr_scale multiplies the group's lr),
and stepped with the file's gradients. It passes when every parameter after
every step is within 1e-5 * (1 + |p|) of the file.

Hyperparameters go to the constructor by name; beta1 and beta2 become
betas=(beta1, beta2) for a class that takes betas and not beta1; a class
whose constructor takes `role` gets each group's role ("matrix", ...). A
file key the constructor does not take is an error unless --ignore names
it; --arg KEY=VALUE passes more constructor arguments (a Python literal:
foreach=False). Prints OK or MISMATCH per file (the first step and index
beyond the tolerance, and the worst) and exits 0, 1 on a mismatch, or 2 on
a file, class or key that cannot be used.

Steps use the lr of the file (constant, no schedule, no clipping), in
float32 on the CPU.
"""
import argparse
import ast
import importlib
import inspect
import math
import sys

TOL = 1e-5
ROLES = ("matrix", "embedding", "vector")
GROUPS = {"matrices": "matrix", "embeddings": "embedding", "vectors": "vector"}


class GoldenError(Exception):
    """A file, class or key that cannot be used (exit 2)."""


def number(text):
    """A hyperparameter value as written: an int, a float, or a word (a choice)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def read_golden(path):
    """The records of a golden file: optimizer, hparams (dict), groups
    ({group: {key: value}}), tensors [(name, role, shape)], n, steps, p0,
    grads[s], params[s] (lists of floats)."""
    g = {"optimizer": None, "hparams": {}, "groups": {}, "tensors": [], "n": None, "steps": None,
         "vectors": {}}
    try:
        f = open(path)
    except OSError as e:
        raise GoldenError(f"{path}: cannot open: {e.strerror}")
    with f:
        for lineno, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            tag, _, rest = line.strip().partition(" ")
            where = f"{path}:{lineno}"
            if tag == "optimizer":
                g["optimizer"] = rest.strip()
            elif tag == "hparams":
                for item in rest.strip().split(",") if rest.strip() not in ("", "-") else []:
                    key, eq, value = item.partition("=")
                    if not eq:
                        raise GoldenError(f"{where}: '{item}' is not key=value")
                    group, dot, sub = key.partition(".")
                    if dot:
                        if group not in GROUPS:
                            raise GoldenError(f"{where}: unknown group '{group}' (known: {', '.join(GROUPS)})")
                        g["groups"].setdefault(group, {})[sub] = number(value)
                    else:
                        g["hparams"][key] = number(value)
            elif tag == "tensors":
                pass
            elif tag == "tensor":
                parts = rest.split()
                if len(parts) < 3 or parts[1] not in ROLES or not all(d.isdigit() and int(d) > 0 for d in parts[2:]):
                    raise GoldenError(f"{where}: expected 'tensor NAME ROLE D1 [D2 ...]' (roles: {', '.join(ROLES)})")
                g["tensors"].append((parts[0], parts[1], tuple(int(d) for d in parts[2:])))
            elif tag in ("n", "steps"):
                try:
                    g[tag] = int(rest)
                except ValueError:
                    raise GoldenError(f"{where}: '{tag}' needs an integer")
            elif tag[:1] in "pg" and tag[1:].isdigit():
                try:
                    values = [float(v) for v in rest.split()]
                except ValueError:
                    raise GoldenError(f"{where}: {tag}: not a list of numbers")
                if g["n"] is None or len(values) != g["n"]:
                    raise GoldenError(f"{where}: {tag} needs {g['n']} numbers after 'n', has {len(values)}")
                g["vectors"][tag] = values
            else:
                raise GoldenError(f"{where}: unknown record '{tag}'")
    if not g["optimizer"] or g["n"] is None or g["steps"] is None:
        raise GoldenError(f"{path}: incomplete: needs optimizer, n and steps")
    missing = [t for t in ["p0"] + [f"{c}{s}" for s in range(1, g["steps"] + 1) for c in "gp"] if t not in g["vectors"]]
    if missing:
        raise GoldenError(f"{path}: no {missing[0]} line")
    if not g["tensors"]:
        g["tensors"] = [("p", "vector", (g["n"],))]
    if sum(math.prod(shape) for _, _, shape in g["tensors"]) != g["n"]:
        raise GoldenError(f"{path}: the tensors do not hold n = {g['n']} floats")
    return g


def load_class(text):
    """The class of MODULE:CLASS (CLASS may be dotted)."""
    module, colon, name = text.partition(":")
    if not colon or not module or not name:
        raise GoldenError(f"'{text}': expected MODULE:CLASS, e.g. torch.optim:AdamW")
    try:
        obj = importlib.import_module(module)
    except ImportError as e:
        raise GoldenError(f"{text}: cannot import {module}: {e}")
    for part in name.split("."):
        if not hasattr(obj, part):
            raise GoldenError(f"{text}: {module} has no {name}")
        obj = getattr(obj, part)
    import torch

    if not (inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer)):
        raise GoldenError(f"{text}: not a torch.optim.Optimizer class")
    return obj


def constructor_args(cls, values, ignore, where):
    """The constructor keyword arguments of the values of one group (or the
    defaults): beta1/beta2 joined into betas where the class takes it."""
    sig = inspect.signature(cls.__init__)
    takes_any = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
    takes = lambda k: takes_any or k in sig.parameters  # noqa: E731
    out, unknown = {}, []
    values = dict(values)
    if "beta1" in values and "beta2" in values and takes("betas") and "beta1" not in sig.parameters:
        out["betas"] = (values.pop("beta1"), values.pop("beta2"))
    for key, value in values.items():
        if key in ignore:
            continue
        if takes(key):
            out[key] = value
        else:
            unknown.append(key)
    if unknown:
        raise GoldenError(f"{where}: {cls.__name__}'s constructor takes no {', '.join(unknown)} "
                          f"(--ignore {','.join(unknown)} to leave them out)")
    return out


def build(cls, g, ignore, extra, where):
    """The parameters (one per tensor, in file order) and the optimizer over
    them, one parameter group per role."""
    import torch

    sig = inspect.signature(cls.__init__)
    base = dict(g["hparams"])
    params, groups = [], {}
    offset = 0
    p0 = g["vectors"]["p0"]
    for name, role, shape in g["tensors"]:
        size = math.prod(shape)
        p = torch.nn.Parameter(torch.tensor(p0[offset:offset + size], dtype=torch.float32).reshape(shape))
        params.append((name, offset, size, shape, p))
        groups.setdefault(role, []).append(p)
        offset += size
    param_groups = []
    for group, role in GROUPS.items():
        if role not in groups:
            continue
        values = dict(base)
        values.update(g["groups"].get(group, {}))
        lr_scale = values.pop("lr_scale", 1.0)
        if "lr" in values:
            values["lr"] = values["lr"] * lr_scale
        elif lr_scale != 1.0:
            raise GoldenError(f"{where}: {group}.lr_scale without an lr")
        entry = constructor_args(cls, values, ignore, where)
        if "role" in sig.parameters:
            entry["role"] = role
        entry["params"] = groups[role]
        param_groups.append(entry)
    defaults = constructor_args(cls, {k: v for k, v in base.items() if k != "lr_scale"}, ignore, where)
    defaults.update(extra)
    if "role" in sig.parameters:
        defaults.pop("role", None)
    try:
        return params, cls(param_groups, **defaults)
    except (TypeError, ValueError) as e:
        raise GoldenError(f"{where}: {cls.__name__}(...) refused the values: {e}")


def locate(g, index):
    """'w[2,5]': the tensor and position of a flat parameter index."""
    offset = 0
    for name, _, shape in g["tensors"]:
        size = math.prod(shape)
        if index < offset + size:
            rest, at = index - offset, []
            for d in reversed(shape):
                at.append(rest % d)
                rest //= d
            return f"{name}[{','.join(str(a) for a in reversed(at))}]"
        offset += size
    return "?"


def replay(path, cls, ignore, extra):
    """Replays one file; returns (ok, line to print)."""
    import torch

    g = read_golden(path)
    params, opt = build(cls, g, ignore, extra, path)
    n, steps = g["n"], g["steps"]
    worst = (0.0, 0, 0, 0.0, 0.0)  # error, step, index, got, expected
    first, bad = None, 0
    for s in range(1, steps + 1):
        grad = torch.tensor(g["vectors"][f"g{s}"], dtype=torch.float32)
        want = torch.tensor(g["vectors"][f"p{s}"], dtype=torch.float32)
        for _, offset, size, shape, p in params:
            p.grad = grad[offset:offset + size].reshape(shape).clone()
        opt.step()
        got = torch.cat([p.detach().reshape(-1) for _, _, _, _, p in params])
        err = (got.double() - want.double()).abs() / (1 + want.double().abs())
        err = torch.where(torch.isnan(err), torch.full_like(err, math.inf), err)
        beyond = (err > TOL).nonzero().flatten()
        bad += len(beyond)
        if first is None and len(beyond):
            i = int(beyond[0])
            first = (float(err[i]), s, i, float(got[i]), float(want[i]))
        i = int(err.argmax())
        if float(err[i]) > worst[0]:
            worst = (float(err[i]), s, i, float(got[i]), float(want[i]))
    name = f"{cls.__module__}.{cls.__name__} (file: {g['optimizer']})"
    if first is None:
        return True, f"OK        {path:<28} {name} worst {worst[0]:.2e}"
    return False, (f"MISMATCH  {path}: {name}: first at step {first[1]}, index {first[2]}: got {first[3]:.9g}, "
                   f"expected {first[4]:.9g} ({locate(g, first[2])}, error {first[0]:.2e} > {TOL:.0e}); "
                   f"worst at step {worst[1]}, index {worst[2]} ({locate(g, worst[2])}): got {worst[3]:.9g}, "
                   f"expected {worst[4]:.9g} (error {worst[0]:.2e}); {bad} of {n * steps} values beyond")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m optbench_golden",
                                 description="Replay optbench golden files through a torch.optim.Optimizer class.")
    ap.add_argument("files", nargs="+", metavar="FILE", help="golden update vector files")
    ap.add_argument("optimizer", metavar="MODULE:CLASS", help="e.g. torch.optim:AdamW or my_module:MyLion")
    ap.add_argument("--ignore", default="", metavar="KEYS",
                    help="comma-separated file keys the constructor does not take, left out")
    ap.add_argument("--arg", action="append", default=[], metavar="KEY=VALUE",
                    help="one more constructor argument, a Python literal (repeatable)")
    args = ap.parse_args(argv)
    try:
        extra = {}
        for item in args.arg:
            key, eq, value = item.partition("=")
            if not eq or not key:
                raise GoldenError(f"--arg '{item}': expected KEY=VALUE")
            try:
                extra[key] = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                raise GoldenError(f"--arg '{item}': the value is not a Python literal")
        cls = load_class(args.optimizer)
    except GoldenError as e:
        print(f"optbench_golden: {e}", file=sys.stderr)
        return 2
    ignore = {k for k in args.ignore.split(",") if k}
    failed = errors = 0
    for path in args.files:
        try:
            ok, line = replay(path, cls, ignore, extra)
        except GoldenError as e:
            ok, line = None, f"ERROR     {e}"
        print(line, flush=True)
        failed += ok is False
        errors += ok is None
    n = len(args.files)
    print(f"optbench_golden: {n} files, {n - failed - errors} ok, {failed} mismatched, {errors} unreadable")
    return 2 if errors else 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
