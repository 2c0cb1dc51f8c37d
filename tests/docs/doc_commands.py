#!/usr/bin/env python3
"""Docs tests: every shell command in the project's Markdown (the ```sh blocks of README.md,
docs/*.md and the READMEs below the source tree) is run, so the docs stay true.

  doc_commands.py ETCHSIM [--rtl]     # exit 0 when every command ran and exited 0

Each document's commands run in order in a fresh directory holding links to configs/, models/,
scripts/, examples/ and bench/ of the source tree and build/etchsim (also first on PATH), so a
command reads as the doc writes it. The exceptions are listed below, each with its reason:
PREPARE (files a document's commands assume, e.g. a model.gguf), REWRITES (a command run in a
smaller form: the same options on a shorter workload or a smaller shape), SKIPS (commands run by
another test), RTL (commands that need Verilator or Yosys: run with --rtl only, the ctest label
rtl-tools). A command that is not in the docs any more but still listed here is an error, as is a
command that fails; a new command in a doc is run as it is.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = ["README.md", "models/README.md", "configs/README.md", "examples/vp/README.md",
        "bench/README.md"]
LINKED = ["configs", "models", "scripts", "examples", "bench"]
TIMEOUT_S = 900  # per command

PREPARE = {
    # run.md's model.gguf: any Llama model with a context of 1024 or more.
    "docs/run.md": "etchsim synth --shape tiny --ctx 1024 --seed 1 -o model.gguf",
    "docs/serving.md": "printf '%s\\n' '{\"tokens\": [1, 5, 9], \"max_tokens\": 8}' "
                       "'{\"tokens\": [2, 3], \"max_tokens\": 4, \"arrival_cycle\": 100}' "
                       "> requests.jsonl",
    "docs/gpu-baseline.md": "cp configs/gpus/h100.toml my-gpu.toml",
}

# (document, command as the doc writes it) -> (command run, why). Timing runs of the flagship
# take well under a second, so they run as written; only synopsis lines with placeholders and
# multi-gigabyte outputs are changed.
REWRITES = {
    ("docs/sweep.md", "scripts/plot_sweep.py s.csv -o plots/ [--x KEY] [--y METRIC ...]"):
        ("scripts/plot_sweep.py s.csv -o plots/ --x kv_sram.capacity_mib --y power_w",
         "the optional arguments given"),
    ("docs/serving.md", "etchsim run --users N --prompt-len 128 --gen-len 128 "
                        "[--set kv_sram.capacity_mib=4096] --lora r16.gguf"):
        ("etchsim run --users 4 --prompt-len 128 --gen-len 128 --set kv_sram.capacity_mib=4096 "
         "--lora r16.gguf", "N = 4, the optional --set given"),
    ("docs/rtl.md", "etchsim run m.gguf --config configs/tiny.toml --tokens 1,2,3 -n 4 "
                    "--rtl-units layer0.qkv,layer1.down [--rtl-rows 0-0] [--rtl-dir DIR]"):
        ("etchsim run m.gguf --config configs/tiny.toml --tokens 1,2,3 -n 4 "
         "--rtl-units layer0.qkv,layer1.down --rtl-rows 0-0 --rtl-dir rtl-loop",
         "the optional arguments given"),
    ("models/README.md", "build/etchsim synth --shape llama-3.1-8b --quant mix36 -o "
                         "llama8b-mix36.gguf"):
        ("build/etchsim synth --shape llama-3.1-8b --quant mix36 --layers 1 --vocab-size 512 "
         "-o llama8b-mix36.gguf", "one layer and a 512-token vocabulary, not 4.4 GB"),
}

# (document, command) -> why it is not run here.
SKIPS = {
    ("README.md", "scripts/run.sh"): "installs, builds and runs the main job: CI's own job",
    ("README.md", "scripts/test.sh"): "installs, builds and runs every test: CI runs it",
    ("docs/integration.md", "BUILD_DIR=$PWD/build scripts/build.sh"):
        "the build these tests run in",
    ("docs/sweep.md", "scripts/slurm-sweep.sh -o s.csv -- --config configs/hc1.toml "
                      "--vary clock_mhz=500:2000:250 --vary kv_sram.capacity_mib=256:1024:256"):
        "needs a Slurm cluster: tests/cli/slurm_real_test.sh runs slurm-sweep.sh on one",
}
SKIPS[("docs/validation.md", "scripts/rtl-synth.sh l8b.gguf --layer 0 --rows 0-1 --units "
       "qkv,attn_output,gate_up --config configs/hc1.toml -o out/")] = \
    "~25 min of Yosys (one row of one unit: 8 min): tests/rtl/synth_test.sh runs rtl-synth.sh on tiny"
# The install commands: tests/install/install_test.sh (ctest install.vp_example) runs them
# against a temporary prefix.
for doc in ("docs/integration.md", "examples/vp/README.md"):
    for cmd in ("cmake --install build --prefix /opt/etchsim",
                "cmake -S examples/vp -B build-vp -DCMAKE_PREFIX_PATH=/opt/etchsim && "
                "cmake --build build-vp",
                "/opt/etchsim/bin/etchsim synth --shape tiny --seed 7 -o tiny.gguf",
                "build-vp/etchsim_vp tiny.gguf /opt/etchsim/share/etchsim/configs/tiny.toml "
                "examples/vp/prompt.script"):
        SKIPS[(doc, cmd)] = "installs to /opt: tests/install/install_test.sh runs it in a temp prefix"
SKIPS[("docs/integration.md", 'etchsim run tiny.gguf --config tiny.toml --prompt "The chip reads '
       'its weights from silicon" -n 8 --mode functional')] = \
    "tests/install/install_test.sh runs it beside the example (same model, prompt and config)"

for cmd in ("bench/fuzz.sh [SECONDS]", 'FUZZ_HARNESSES="gguf model" FUZZ_JOBS=2 bench/fuzz.sh 600'):
    SKIPS[("docs/fuzzing.md", cmd)] = \
        "a clang fuzz build and minutes per harness: ctest fuzz.smoke runs bench/fuzz.sh briefly"

# Commands that build or synthesize RTL (Verilator, Yosys).
RTL = {
    ("docs/rtl.md", "etchsim rtl-check m.gguf --layer 0 --config configs/tiny.toml --rows 0-3"),
    ("docs/rtl.md", "etchsim run m.gguf --config configs/tiny.toml --tokens 1,2,3 -n 4 "
                    "--rtl-units layer0.qkv,layer1.down [--rtl-rows 0-0] [--rtl-dir DIR]"),
}


def documents():
    names = [d for d in DOCS if os.path.exists(os.path.join(SOURCE, d))]
    names += sorted("docs/" + f for f in os.listdir(os.path.join(SOURCE, "docs"))
                    if f.endswith(".md"))
    return names


def commands(text):
    """The commands of the ```sh blocks: continuation lines joined, comments dropped, a
    `for ...; do` loop up to its `done` kept as one multi-line command."""
    out = []
    for block in re.findall(r"^```(?:sh|bash|shell)\n(.*?)^```", text, re.S | re.M):
        logical = []
        line = ""
        for raw in block.splitlines():
            part = raw.rstrip()
            if part.endswith("\\"):
                line += part[:-1].strip() + " "
                continue
            line += part.strip()
            logical.append(line)
            line = ""
        loop = None
        for cmd in logical:
            cmd = re.sub(r"(^|\s)#.*$", "", cmd).strip()
            if not cmd:
                continue
            if loop is not None:
                loop.append(("  " if cmd != "done" else "") + cmd)
                if cmd == "done":
                    out.append("\n".join(loop))
                    loop = None
                continue
            if re.match(r"(for|while) .*; do$", cmd):
                loop = [cmd]
                continue
            out.append(cmd)
    return out


def workdir(etchsim):
    d = tempfile.mkdtemp(prefix="etchsim-docs-")
    for name in LINKED:
        if os.path.exists(os.path.join(SOURCE, name)):
            os.symlink(os.path.join(SOURCE, name), os.path.join(d, name))
    os.mkdir(os.path.join(d, "build"))
    os.symlink(etchsim, os.path.join(d, "build", "etchsim"))
    # scripts/plot_sweep.py runs `python3`: the first one with matplotlib (a pyenv python3 on
    # PATH may lack it where Debian's has it).
    for python in (shutil.which("python3"), "/usr/bin/python3"):
        if python and subprocess.run([python, "-c", "import matplotlib"],
                                     capture_output=True).returncode == 0:
            os.symlink(python, os.path.join(d, "build", "python3"))
            break
    return d


def run(cmd, cwd, env):
    start = time.monotonic()
    try:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", cmd], cwd=cwd, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              timeout=TIMEOUT_S)
        rc, err = done.returncode, done.stderr
    except subprocess.TimeoutExpired:
        rc, err = -1, f"timed out after {TIMEOUT_S} s"
    return rc, err, time.monotonic() - start


def main():
    args = sys.argv[1:]
    rtl = "--rtl" in args
    args = [a for a in args if a != "--rtl"]
    if len(args) != 1:
        sys.exit(__doc__)
    etchsim = os.path.abspath(args[0])
    seen = set()
    failures = []
    ran = skipped = 0
    for doc in documents():
        with open(os.path.join(SOURCE, doc), encoding="utf-8") as f:
            cmds = commands(f.read())
        if not cmds:
            continue
        cwd = workdir(etchsim)
        env = dict(os.environ, PATH=os.path.join(cwd, "build") + os.pathsep + os.environ["PATH"],
                   XDG_CACHE_HOME=os.path.join(cwd, "cache"))
        try:
            if doc in PREPARE:
                rc, err, _ = run(PREPARE[doc], cwd, env)
                if rc != 0:
                    failures.append(f"{doc}: preparing ({PREPARE[doc]}) failed: {err.strip()}")
                    continue
            for cmd in cmds:
                key = (doc, cmd)
                seen.add(key)
                if key in SKIPS:
                    if not rtl:
                        print(f"{doc}: skipped `{cmd}`: {SKIPS[key]}")
                        skipped += 1
                    continue
                actual, why = REWRITES.get(key, (cmd, ""))
                if actual is None:
                    actual = cmd
                # RTL commands run only with --rtl; the others only without it. Commands that make
                # an RTL command's input run in both.
                if (key in RTL) != rtl and not (rtl and re.match(r"(build/)?etchsim synth ", cmd)):
                    continue
                rc, err, secs = run(actual, cwd, env)
                shown = actual if actual == cmd else f"{actual}` (doc: `{cmd}`; {why})"
                if rc != 0:
                    failures.append(f"{doc}: `{shown}` exited {rc}:\n{err.strip()[-2000:]}")
                    print(f"{doc}: FAILED `{shown}`")
                else:
                    print(f"{doc}: ok ({secs:.1f} s) `{shown}`")
                    ran += 1
        finally:
            shutil.rmtree(cwd, ignore_errors=True)
    stale = [k for k in list(REWRITES) + list(SKIPS) + list(RTL) + [(d, None) for d in PREPARE]
             if (k[1] is not None and k not in seen)
             or (k[1] is None and not any(s[0] == k[0] for s in seen))]
    for doc, cmd in stale:
        failures.append(f"{doc}: listed in tests/docs/doc_commands.py but not in the doc: `{cmd}`")
    print(f"docs commands: {ran} ran, {skipped} skipped (run by other tests), "
          f"{len(failures)} failure(s)")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
