"""The lecture's CNN trained and evaluated through the grading path (sandbox + judge ``train_predict``).

    .venv/bin/python benchmarks/gpu_reference_cnn.py                          # MNIST and Fashion-MNIST, 12 epochs
    .venv/bin/python benchmarks/gpu_reference_cnn.py --datasets fashion-mnist --epochs 3 --gpu 0
    .venv/bin/python benchmarks/gpu_reference_cnn.py --epochs 1 --subset 2000   # a quick check on a CPU

This is what a grading job of assignment 06 does with a student's ``build_cnn``:
the code is loaded into a sandboxed worker (bubblewrap, cgroups, no network),
the judge sends the training images and labels across the boundary, the worker
trains for at most ``--budget`` seconds and sends back the test probabilities.
Here the "student" is the reference solution, so the figures show the cost of
the grading path around a real training run.

Meant for a machine with a GPU: ``--gpu INDEX`` hands that GPU (default: the
first of ``CUDA_VISIBLE_DEVICES``, else 0 when ``/dev/nvidia0`` exists) to the
sandboxed job; the job reports which devices TensorFlow saw. Without a GPU it
runs on the CPU and says so (a full 12-epoch run then takes a long time: use
``--subset``). Accuracy is on the dataset's whole labelled test set (public +
private splits). Training images are scaled to [0, 1] with a channel axis, as
the judge of assignment 06 does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REFERENCE_SOURCE = '''
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras
from keras import layers


def build_cnn():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ], name="cnn")
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def devices():
    import tensorflow as tf
    return [d.name for d in tf.config.list_physical_devices()]
'''

LECTURE = {"mnist": 0.990, "fashion-mnist": None}
ZALANDO_CNN = 0.916  # "2 Conv+pooling", TensorFlow's tutorial, Zalando's Fashion-MNIST README


def default_gpu() -> str | None:
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",")[0].strip()
    if visible.isdigit():
        return visible
    return "0" if Path("/dev/nvidia0").exists() else None


def data(name: str, subset: int | None, seed: int):
    import numpy as np

    from grader.datasets import load_splits

    splits = load_splits(name)
    x_train, y_train = splits.x_train, splits.y_train
    if subset:
        rows = np.random.default_rng(seed).permutation(len(x_train))[:subset]
        x_train, y_train = x_train[rows], y_train[rows]
    x_test = np.concatenate([splits.x_public, splits.x_private])
    y_test = np.concatenate([splits.y_public, splits.y_private])
    scale = lambda x: (x.astype("float32") / 255.0)[..., np.newaxis]  # noqa: E731
    return scale(x_train), y_train, scale(x_test), y_test, splits.source


def run_one(name: str, *, epochs: int, subset: int | None, budget: float, gpu: str | None, sandbox: bool,
            seed: int) -> dict:
    import numpy as np

    from grader.sandbox import SandboxLimits
    from grader.sandbox.backend import SandboxBackend

    x_train, y_train, x_test, y_test, source = data(name, subset, seed)
    limits = SandboxLimits(memory_mb=16384, wall_seconds=600, max_output_mb=64, tmp_mb=1024, gpu=gpu)
    with tempfile.TemporaryDirectory(prefix="cnnkit-gpu-bench-") as job_dir:
        started = time.perf_counter()
        with SandboxBackend(REFERENCE_SOURCE, limits, job_dir, sandbox=sandbox, grace_seconds=120) as student:
            student.start()
            loaded = time.perf_counter()
            devices = student.call("devices")
            result = student.train_predict("build_cnn", x_train, y_train, x_test, budget_seconds=budget,
                                           epochs=epochs, batch_size=128, seed=seed)
        total = time.perf_counter() - started
    accuracy = float(np.mean(np.asarray(result["probabilities"]).argmax(axis=1) == y_test))
    return {"dataset": name, "source": source, "train_rows": int(len(x_train)), "test_rows": int(len(x_test)),
            "epochs_requested": epochs, "epochs_done": int(result["epochs_done"]),
            "training_seconds": round(float(result["seconds"]), 1),
            "seconds_per_epoch": round(float(result["seconds"]) / max(1, int(result["epochs_done"])), 2),
            "start_seconds": round(loaded - started, 1), "job_seconds": round(total, 1),
            "test_accuracy": round(accuracy, 4), "gpu": gpu, "devices_seen_by_job": devices, "sandbox": sandbox}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="mnist,fashion-mnist", help="comma-separated grader dataset names")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--subset", type=int, default=None, help="train on this many random training images")
    parser.add_argument("--budget", type=float, default=1800.0, help="training budget of the job, in seconds")
    parser.add_argument("--gpu", default=None, help="GPU index for the job (default: detected; 'none' for the CPU)")
    parser.add_argument("--no-sandbox", action="store_true", help="run the worker without bubblewrap")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    gpu = None if args.gpu == "none" else (args.gpu or default_gpu())
    results = [run_one(name.strip(), epochs=args.epochs, subset=args.subset, budget=args.budget, gpu=gpu,
                       sandbox=not args.no_sandbox, seed=args.seed)
               for name in args.datasets.split(",") if name.strip()]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    if gpu is None:
        print("No GPU for the job: training runs on the CPU.")
    for r in results:
        reference = LECTURE.get(r["dataset"])
        print(f"\n{r['dataset']} ({r['source']}): {r['train_rows']:,} training images, "
              f"{r['epochs_done']}/{r['epochs_requested']} epoch(s), sandbox {'on' if r['sandbox'] else 'off'}, "
              f"GPU {r['gpu'] or 'none'}; the job saw {', '.join(r['devices_seen_by_job'])}")
        print(f"  test accuracy    {r['test_accuracy']:.4f} on {r['test_rows']:,} images"
              + (f" (lecture: {reference:.3f})" if reference else f" (Zalando's 2 Conv+pooling: {ZALANDO_CNN:.3f})"))
        print(f"  training         {r['training_seconds']:.1f} s ({r['seconds_per_epoch']:.2f} s/epoch)")
        print(f"  whole job        {r['job_seconds']:.1f} s (sandbox + loading the code: {r['start_seconds']:.1f} s)")


if __name__ == "__main__":
    main()
