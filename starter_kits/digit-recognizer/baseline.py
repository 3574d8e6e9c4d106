# %% [markdown]
# # Digit Recognizer — baseline
# A small convolutional network (합성곱 신경망) trained on this kit's `train.npz`, which writes
# `submission.csv` for `test.npz`. Setup → Prepare the data → Build the model → Train → Predict.

# %%
import numpy as np
import pandas as pd
import keras

EPOCHS = 5        # more epochs score higher; 5 keeps the baseline quick on a laptop
BATCH_SIZE = 128
NUM_CLASSES = 10
keras.utils.set_random_seed(0)

# %% [markdown]
# ## Prepare the data
# Scale pixels to [0, 1] and add the channel axis that `Conv2D` expects.

# %%
train = np.load("train.npz")
test = np.load("test.npz")
x_train = train["x"].astype("float32")[..., None] / 255.0
y_train = keras.utils.to_categorical(train["y"], NUM_CLASSES)
x_test = test["x"].astype("float32")[..., None] / 255.0

# %% [markdown]
# ## Build and train the model

# %%
model = keras.Sequential([
    keras.Input(shape=x_train.shape[1:]),
    keras.layers.Conv2D(16, 3, activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Flatten(),
    keras.layers.Dropout(0.3),
    keras.layers.Dense(NUM_CLASSES, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, validation_split=0.1, verbose=2)

# %% [markdown]
# ## Predict and write submission.csv

# %%
labels = model.predict(x_test, verbose=0).argmax(axis=1)
pd.DataFrame({"ImageId": test["ids"], "Label": labels}).to_csv("submission.csv", index=False)
print("wrote submission.csv with", len(labels), "rows")
