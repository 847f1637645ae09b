"""kg installed from its wheel, not from this checkout, finds its ontologies, seeds and saved queries."""

import os
import shutil
import subprocess
import sys

from tests.conftest import ROOT, SEED_QUESTION


def test_the_wheel_carries_its_data_and_works_from_another_directory(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("kg-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # The new environment borrows this one's dependencies: a directory named in a .pth file has its own .pth
    # files ignored, so this checkout's editable install of kg stays out, and kg comes only from the wheel.
    (site,) = (venv / "lib").glob("python*/site-packages")
    (site / "borrowed.pth").write_text("\n".join(p for p in sys.path if p.endswith("site-packages")) + "\n")
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("KG_STORE", "PYTHONPATH")}

    def kg(*args):
        return subprocess.run([str(venv / "bin" / "kg"), *args], cwd=elsewhere, env=env, capture_output=True,
                              text=True, timeout=600)

    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import kg, cli; print(kg.__file__, cli.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout
    assert str(ROOT) not in where and str(site) in where

    listed = kg("queries")
    assert listed.returncode == 0 and "models-for-task: " in listed.stdout, listed.stderr
    store = str(tmp_path / "store")
    built = kg("build", "--store", store)
    assert built.returncode == 0, built.stderr
    assert built.stdout.splitlines()[0].startswith("212 models, 14928 papers, 69 tasks, 40 methods, ")
    asked = kg("ask", "--store", store, SEED_QUESTION)
    assert asked.returncode == 0 and "super-resolution" in asked.stdout.lower(), asked.stderr

    shutil.rmtree(site / "kg" / "data" / "ontologies")
    broken = kg("build", "--store", str(tmp_path / "other"))
    assert broken.returncode == 1
    assert broken.stderr.splitlines()[-1] == (
        f"Error: {site / 'kg' / 'data' / 'ontologies' / 'kg.ttl'}: kg's ontologies are missing from this "
        "installation (reinstall kg from its wheel or a full checkout)")
