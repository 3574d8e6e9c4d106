"""The training check on the shapes set: the kit's small CNN trained with the student's
random_augment must beat the same CNN trained without it on the challenge set. It runs last
(test_3_...): it is by far the slowest check, and a mutant's run stops at its first lost check."""

import numpy as np
import pytest

AUGMENTATION = dict(rotation_range=180, width_shift_range=0.15, height_shift_range=0.15, zoom_range=0.4,
                    horizontal_flip=True, vertical_flip=True)


@pytest.mark.points(7)
def test_augmentation_beats_plain_training_on_challenge_set(student, splits, training_budget, assignment_config,
                                                            test_mode, confusion):
    data = splits("shapes")
    x_challenge = np.concatenate([data.x_public, data.x_private])
    y_challenge = np.concatenate([data.y_public, data.y_private])
    training = assignment_config.get("training", {})
    epochs = int(training.get("test_epochs" if test_mode else "epochs", 30))
    margin = float(training.get("margin", 0.05))
    common = dict(budget_seconds=training_budget, epochs=epochs, batch_size=int(training.get("batch_size", 32)), seed=0)
    accuracy = {}
    for name, extra in [("plain", {}), ("augmented", {"augment": "random_augment", "augment_kwargs": AUGMENTATION})]:
        result = student.train_predict("kit:small_cnn", data.x_train, data.y_train, x_challenge, **common, **extra)
        predicted = np.asarray(result["probabilities"]).argmax(axis=1)
        accuracy[name] = float(np.mean(predicted == y_challenge))
        if name == "augmented":  # for the student's feedback: the model trained with their random_augment
            confusion(y_challenge, predicted, data.class_names)
    assert accuracy["augmented"] >= accuracy["plain"] + margin, \
        "on the challenge set the CNN trained with random_augment is not clearly better than the same CNN without it"
