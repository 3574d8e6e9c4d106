# %% [markdown]
# # Dogs vs. Cats — baseline
# A small convolutional network (합성곱 신경망) on 64×64 copies of the photographs in `train/`,
# which writes P(dog) for every image in `test/` to `submission.csv`. The score is the log loss,
# so the output is a probability (sigmoid), not a 0/1 decision.

# %%
from pathlib import Path

import numpy as np
import pandas as pd
import keras

EPOCHS = 2        # more epochs score higher; 2 keeps the baseline quick on a laptop
IMAGE_SIZE = (64, 64)
BATCH_SIZE = 64
keras.utils.set_random_seed(0)

# %% [markdown]
# ## Prepare the data
# The folder names are the labels: `train/cat` = 0, `train/dog` = 1 (alphabetical order).

# %%
train = keras.utils.image_dataset_from_directory(
    "train", label_mode="binary", image_size=IMAGE_SIZE, batch_size=BATCH_SIZE, seed=0)
test_files = sorted(Path("test").iterdir(), key=lambda p: int(p.stem))
test_ids = [int(p.stem) for p in test_files]
x_test = np.stack([keras.utils.img_to_array(keras.utils.load_img(p, target_size=IMAGE_SIZE))
                   for p in test_files])

# %% [markdown]
# ## Build and train the model

# %%
model = keras.Sequential([
    keras.Input(shape=(*IMAGE_SIZE, 3)),
    keras.layers.Rescaling(1 / 255.0),
    keras.layers.RandomFlip("horizontal"),
    keras.layers.Conv2D(16, 3, activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Conv2D(32, 3, activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Flatten(),
    keras.layers.Dropout(0.3),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(train, epochs=EPOCHS, verbose=2)

# %% [markdown]
# ## Predict and write submission.csv
# Clipping away from 0 and 1 limits the cost of a confident mistake under log loss.

# %%
p_dog = np.clip(model.predict(x_test, verbose=0)[:, 0], 0.02, 0.98)
pd.DataFrame({"id": test_ids, "label": p_dog}).to_csv("submission.csv", index=False)
print("wrote submission.csv with", len(p_dog), "rows")
