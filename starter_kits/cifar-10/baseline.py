# %% [markdown]
# # CIFAR-10 — baseline
# A small convolutional network (합성곱 신경망) trained on this kit's `train.npz`, which writes
# `submission.csv` for `test.npz`. Setup → Prepare the data → Build the model → Train → Predict.

# %%
import numpy as np
import pandas as pd
import keras

EPOCHS = 3        # more epochs score higher; this keeps the baseline quick on a laptop
BATCH_SIZE = 128
CLASS_NAMES = pd.read_csv("classes.csv")["name"].tolist()
keras.utils.set_random_seed(0)

# %% [markdown]
# ## Prepare the data
# Scale pixels to [0, 1]; grey-scale images get the channel axis that `Conv2D` expects.

# %%
train = np.load("train.npz")
test = np.load("test.npz")
x_train = train["x"].astype("float32") / 255.0
x_test = test["x"].astype("float32") / 255.0
if x_train.ndim == 3:
    x_train, x_test = x_train[..., None], x_test[..., None]
y_train = keras.utils.to_categorical(train["y"], len(CLASS_NAMES))

# %% [markdown]
# ## Build and train the model

# %%
model = keras.Sequential([
    keras.Input(shape=x_train.shape[1:]),
    keras.layers.Conv2D(32, 3, activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Conv2D(32, 3, activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Flatten(),
    keras.layers.Dropout(0.3),
    keras.layers.Dense(len(CLASS_NAMES), activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, validation_split=0.1, verbose=2)

# %% [markdown]
# ## Predict and write submission.csv
# The label column holds the class **name** (as in classes.csv).

# %%
predicted = model.predict(x_test, verbose=0).argmax(axis=1)
labels = [CLASS_NAMES[i] for i in predicted]
pd.DataFrame({"id": test["ids"], "label": labels}).to_csv("submission.csv", index=False)
print("wrote submission.csv with", len(labels), "rows")
