"""Train the lecture's DNN and CNN on full Fashion-MNIST; accuracy and seconds per epoch vs published figures.

    .venv/bin/python benchmarks/bench_reference_models.py                      # 12 epochs, both, full data
    .venv/bin/python benchmarks/bench_reference_models.py --models dnn --epochs 1
    .venv/bin/python benchmarks/bench_reference_models.py --models cnn --epochs 1 --subset 10000

The models are the lecture's, as assignments 02 and 06 build them:

- DNN: Flatten -> Dense(512, relu) -> Dense(10, softmax), 407,050 parameters;
- CNN: Conv(32, 3x3) -> Conv(64, 3x3) -> MaxPool(2) -> Dropout(0.25) -> Flatten -> Dense(128) ->
  Dropout(0.5) -> Dense(10, softmax), 1,199,882 parameters;

both compiled with Adam and categorical cross-entropy, batch size 128, pixels scaled to
[0, 1]. Data: ``grader.datasets.load_splits("fashion-mnist")`` (Debian's
``dataset-fashion-mnist``: 60,000 training images; the public and private test
splits together are the full 10,000-image test set, on which accuracy is reported).
``--subset N`` trains on N random training images (the test set stays full).

Reference figures printed next to ours:

- the lecture: DNN about 97.9 %, CNN about 99.0 % -- on MNIST (12 epochs for the CNN); the
  lecture gives no Fashion-MNIST figure for these two networks;
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
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH_SIZE = 128
LECTURE_MNIST = {"dnn": 0.979, "cnn": 0.990}
ZALANDO = {
    "dnn": [("MLPClassifier (Zalando's scikit-learn benchmark)", 0.87), ("MLP 256-128-100 (README)", 0.883)],
    "cnn": [("2 Conv+pooling, TensorFlow tutorial (README, benchmark/convnet.py)", 0.916),
            ("3 Conv+pooling+2 FC+dropout (README)", 0.926)],
}


def build_dnn(input_shape=(28, 28, 1), num_classes=10):
    """The lecture's dense network (assignments 02 and 06)."""
    import keras
    from keras import layers

    model = keras.Sequential([keras.Input(shape=input_shape), layers.Flatten(),
                              layers.Dense(512, activation="relu"),
                              layers.Dense(num_classes, activation="softmax")], name="dnn")
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    """The lecture's CNN (assignment 06)."""
    import keras
    from keras import layers

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


BUILDERS = {"dnn": build_dnn, "cnn": build_cnn}


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


def train(name: str, x_train, y_train, x_test, y_test, *, epochs: int, seed: int) -> dict:
    import keras
    import numpy as np

    keras.utils.set_random_seed(seed)
    model = BUILDERS[name]()
    epoch_seconds: list[float] = []

    class EpochClock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_seconds.append(time.perf_counter() - self.started)

    model.fit(x_train, keras.utils.to_categorical(y_train, 10), batch_size=BATCH_SIZE, epochs=epochs,
              shuffle=True, verbose=0, callbacks=[EpochClock()])
    predicted = np.argmax(model.predict(x_test, batch_size=1024, verbose=0), axis=1)
    return {"model": name, "parameters": int(model.count_params()), "train_rows": int(len(x_train)),
            "test_rows": int(len(x_test)), "epochs": epochs,
            "seconds_per_epoch": round(sum(epoch_seconds) / len(epoch_seconds), 2),
            "first_epoch_seconds": round(epoch_seconds[0], 2),
            "test_accuracy": round(float(np.mean(predicted == y_test)), 4)}


def machine() -> str:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU threads, "
            f"{'GPU: ' + ', '.join(g.name for g in gpus) if gpus else 'no GPU'}, TensorFlow {tf.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="dnn,cnn", help="comma-separated: dnn, cnn (default both)")
    parser.add_argument("--epochs", type=int, default=12, help="passes over the training images (lecture: 12)")
    parser.add_argument("--subset", type=int, default=None, help="train on this many random training images")
    parser.add_argument("--dataset", default="fashion-mnist", help="a grader dataset name (default fashion-mnist)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in BUILDERS]
    if unknown or args.epochs < 1:
        parser.error(f"--models takes dnn and/or cnn (got {', '.join(unknown)}); --epochs must be 1 or more")
    x_train, y_train, x_test, y_test, source = prepared(args.dataset, args.subset, args.seed)
    results = [train(n, x_train, y_train, x_test, y_test, epochs=args.epochs, seed=args.seed) for n in names]
    report = {"dataset": args.dataset, "source": source, "machine": machine(), "results": results}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{args.dataset} from {source}\n{report['machine']}")
    for r in results:
        print(f"\n{r['model'].upper()} ({r['parameters']:,} parameters): {r['train_rows']:,} training images, "
              f"{r['epochs']} epoch(s), batch {BATCH_SIZE}")
        print(f"  test accuracy   {r['test_accuracy']:.4f} on {r['test_rows']:,} test images")
        print(f"  seconds/epoch   {r['seconds_per_epoch']:.1f} (first epoch {r['first_epoch_seconds']:.1f})")
        print(f"  lecture         {LECTURE_MNIST[r['model']]:.3f} (on MNIST, not Fashion-MNIST)")
        for label, value in ZALANDO[r["model"]]:
            print(f"  Zalando         {value:.3f}  {label}")


if __name__ == "__main__":
    main()
