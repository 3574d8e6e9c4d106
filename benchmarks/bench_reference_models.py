"""Train the lecture's DNN and CNN on full Fashion-MNIST, outside and inside the sandbox, through the judge's path.

    .venv/bin/python benchmarks/bench_reference_models.py                       # CNN, 12 epochs, full data, both places
    .venv/bin/python benchmarks/bench_reference_models.py --models cnn --budget 300   # the issue's 300 s target
    .venv/bin/python benchmarks/bench_reference_models.py --models dnn,cnn --epochs 1 --subset 2000   # a quick check

The models are the lecture's, as assignments 02 and 06 build them:

- DNN: Flatten -> Dense(512, relu) -> Dense(10, softmax), 407,050 parameters;
- CNN: Conv(32, 3x3) -> Conv(64, 3x3) -> MaxPool(2) -> Dropout(0.25) -> Flatten -> Dense(128) ->
  Dropout(0.5) -> Dense(10, softmax), 1,199,882 parameters;

both compiled with Adam and categorical cross-entropy, batch size 128, pixels scaled to
[0, 1]. Each is trained the way a grading job trains a student's model: the judge's
``train_predict`` (grader/judge/ops.py: a prefetching ``tf.data`` pipeline, seeded shuffles,
the time budget) -- ``outside`` in this process (``InProcessBackend``, TensorFlow's default
threads), ``sandbox`` in a sandboxed worker (``SandboxBackend``: bubblewrap, cgroups, thread
pools sized to ``--cpus``, the data sent across as files). Printed per model and place: epochs
done, seconds per epoch, training images per second, test accuracy, and the sandbox's
images per second as a fraction of outside's.

Data: ``grader.datasets.load_splits("fashion-mnist")`` (Debian's ``dataset-fashion-mnist``:
60,000 training images; the public and private test splits together are the full 10,000-image
test set, on which accuracy is reported; its labels never enter the sandbox). ``--subset N``
trains on N random training images (the test set stays full).

Reference figures printed next to ours:

- the lecture: DNN about 97.9 %, CNN about 99.0 % -- on MNIST; the lecture gives no epoch count
  and no Fashion-MNIST figure for these two networks;
- Zalando's Fashion-MNIST README (``/usr/share/doc/dataset-fashion-mnist/README.md.gz``):
  "2 Conv+pooling" (TensorFlow's tutorial, ``benchmark/convnet.py``) 0.916, "MLP 256-128-100"
  0.883, "3 Conv+pooling+2 FC+dropout" 0.926; and their scikit-learn benchmark
  (``benchmark/baselines.json`` is its configuration; the results are on their site):
  MLPClassifier about 0.87.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH_SIZE = 128
PLACES = ("outside", "sandbox")
LECTURE_MNIST = {"dnn": 0.979, "cnn": 0.990}
ZALANDO = {
    "dnn": [("MLPClassifier (Zalando's scikit-learn benchmark)", 0.87), ("MLP 256-128-100 (README)", 0.883)],
    "cnn": [("2 Conv+pooling, TensorFlow tutorial (README, benchmark/convnet.py)", 0.916),
            ("3 Conv+pooling+2 FC+dropout (README)", 0.926)],
}

# The "student's" code: the lecture's two networks (assignments 02 and 06).
MODELS_SOURCE = '''
import keras
from keras import layers


def build_dnn(input_shape=(28, 28, 1), num_classes=10):
    model = keras.Sequential([keras.Input(shape=input_shape), layers.Flatten(),
                              layers.Dense(512, activation="relu"),
                              layers.Dense(num_classes, activation="softmax")], name="dnn")
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ], name="cnn")
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
'''
PARAMETERS = {"dnn": 407_050, "cnn": 1_199_882}


def prepared(dataset: str, subset: int | None, seed: int):
    """Training images (optionally a random subset) and the full test set, scaled, channels last."""
    import numpy as np

    from grader.datasets import load_splits

    splits = load_splits(dataset)
    x_train, y_train = splits.x_train, splits.y_train
    if subset:
        rows = np.random.default_rng(seed).permutation(len(x_train))[:subset]
        x_train, y_train = x_train[rows], y_train[rows]
    x_test = np.concatenate([splits.x_public, splits.x_private])
    y_test = np.concatenate([splits.y_public, splits.y_private])

    def scale(x):
        return (x.astype("float32") / 255.0).reshape(len(x), 28, 28, 1)

    return scale(x_train), y_train, scale(x_test), y_test, splits.source


def train(place: str, name: str, x_train, y_train, x_test, y_test, *, epochs: int, budget: float, seed: int,
          cpus: int) -> dict:
    """One training through the judge's ``train_predict``, in this process or in a sandboxed worker."""
    import numpy as np

    from grader.judge.backend import InProcessBackend
    from grader.sandbox import SandboxBackend, SandboxLimits

    with tempfile.TemporaryDirectory(prefix="cnnkit-bench-models-") as job_dir:
        if place == "outside":
            backend = InProcessBackend(MODELS_SOURCE)
        else:
            limits = SandboxLimits(memory_mb=8192, max_processes=512, tmp_mb=1024, wall_seconds=600, cpus=cpus)
            backend = SandboxBackend(MODELS_SOURCE, limits, job_dir, grace_seconds=600)
        try:
            result = backend.train_predict(f"build_{name}", x_train, y_train, x_test, budget_seconds=budget,
                                           epochs=epochs, batch_size=BATCH_SIZE, seed=seed)
        finally:
            getattr(backend, "close", lambda: None)()
    epochs_done, seconds = int(result["epochs_done"]), float(result["seconds"])
    predicted = np.asarray(result["probabilities"]).argmax(axis=1)
    return {"model": name, "place": place, "parameters": PARAMETERS[name], "train_rows": int(len(x_train)),
            "test_rows": int(len(x_test)), "epochs": epochs, "epochs_done": epochs_done, "budget_seconds": budget,
            "training_seconds": round(seconds, 1),
            "seconds_per_epoch": round(seconds / max(1, epochs_done), 2),
            "images_per_second": round(len(x_train) * epochs_done / seconds, 1) if seconds > 0 else None,
            "test_accuracy": round(float(np.mean(predicted == y_test)), 4),
            "cpus": cpus if place == "sandbox" else None}


def machine() -> str:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU threads, "
            f"{'GPU: ' + ', '.join(g.name for g in gpus) if gpus else 'no GPU'}, TensorFlow {tf.__version__}, "
            f"load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    from grader.sandbox.limits import available_cpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="cnn", help="comma-separated: dnn, cnn (default cnn)")
    parser.add_argument("--where", default="outside,sandbox", help="comma-separated: outside, sandbox (default both)")
    parser.add_argument("--epochs", type=int, default=12, help="passes over the training images (default 12: the kit's choice, as in Keras' mnist_cnn.py)")
    parser.add_argument("--budget", type=float, default=3600.0, help="training budget in seconds (default 3600)")
    parser.add_argument("--cpus", type=int, default=None, help="the sandboxed job's CPU allowance (default: all)")
    parser.add_argument("--subset", type=int, default=None, help="train on this many random training images")
    parser.add_argument("--dataset", default="fashion-mnist", help="a grader dataset name (default fashion-mnist)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    places = [p.strip() for p in args.where.split(",") if p.strip()]
    if any(n not in PARAMETERS for n in names) or any(p not in PLACES for p in places) or args.epochs < 1:
        parser.error("--models takes dnn and/or cnn, --where outside and/or sandbox; --epochs must be 1 or more")
    cpus = args.cpus or available_cpus()
    x_train, y_train, x_test, y_test, source = prepared(args.dataset, args.subset, args.seed)
    results = [train(p, n, x_train, y_train, x_test, y_test, epochs=args.epochs, budget=args.budget, seed=args.seed,
                     cpus=cpus) for n in names for p in places]
    report = {"dataset": args.dataset, "source": source, "machine": machine(), "results": results}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{args.dataset} from {source}\n{report['machine']}")
    for name in names:
        rows = [r for r in results if r["model"] == name]
        first = rows[0]
        print(f"\n{name.upper()} ({first['parameters']:,} parameters): {first['train_rows']:,} training images, "
              f"up to {args.epochs} epoch(s) within {args.budget:g} s, batch {BATCH_SIZE}")
        for r in rows:
            where = f"sandbox, {r['cpus']} CPUs" if r["place"] == "sandbox" else "outside"
            print(f"  {where:<18} test accuracy {r['test_accuracy']:.4f} after {r['epochs_done']} epoch(s); "
                  f"{r['seconds_per_epoch']:.1f} s/epoch, {r['images_per_second'] or 0:,.0f} images/s")
        speeds = {r["place"]: r["images_per_second"] for r in rows}
        if speeds.get("outside") and speeds.get("sandbox"):
            print(f"  sandbox / outside  {speeds['sandbox'] / speeds['outside']:.2f} of the images per second")
        print(f"  lecture            {LECTURE_MNIST[name]:.3f} (on MNIST, not Fashion-MNIST)")
        for label, value in ZALANDO[name]:
            print(f"  Zalando            {value:.3f}  {label}")


if __name__ == "__main__":
    main()
