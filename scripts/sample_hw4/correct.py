"""Answer cells of a student who gets every automatic answer right, computed with code."""
from sample_common import READ_IDX


Q5 = '''def out_size(n, k, s, d=1, padding="valid"):
    """Keras: 'same' gives ceil(n / s); 'valid' fits the dilated window d(k-1)+1 without padding."""
    return -(-n // s) if padding == "same" else (n - d * (k - 1) - 1) // s + 1

# (kind, filters, kernel, stride, dilation, padding) per layer of the table
spec = [("conv", 64, 3, 1, 1, "same"), ("dconv", 32, 5, 2, 2, "valid"), ("pool", None, 2, 2, 1, "valid"),
        ("conv", 128, 3, 1, 1, "same"), ("dconv", 64, 5, 2, 4, "valid"), ("pool", None, 2, 2, 1, "valid"),
        ("conv", 256, 3, 1, 1, "same"), ("dconv", 128, 5, 2, 2, "valid"), ("pool", None, 2, 2, 1, "valid")]
n, c = 256, 3
q5_table = []
for i, (kind, filters, k, s, d, padding) in enumerate(spec, start=1):
    n = out_size(n, k, s, d, padding)
    params = 0 if kind == "pool" else k * k * c * filters + filters
    c = c if kind == "pool" else filters
    q5_table.append([i, kind, (n, n, c), params])
q5_table.append(["total", "", None, sum(row[3] for row in q5_table)])'''

Q6_STATEMENTS = '''q6_statements = [
    ["s1", False],   # each batch costs more; BN needs fewer updates instead
    ["s2", True],    # every dimension is brought to mean 0 and variance 1
]'''

Q6_BATCHNORM = '''import numpy as np

def forward_batchnorm(x, gamma, beta, running_mean, running_var, momentum, eps, training):
    """x: (N, D); gamma, beta, running_mean, running_var: (D,). Returns (out, running_mean, running_var)."""
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        mean, var = running_mean, running_var
    out = gamma * (x - mean) / np.sqrt(var + eps) + beta
    return out, running_mean, running_var'''

Q6_PARAMS = '''inputs, units = 10, 20
dense = inputs * units + units          # weights and biases
batchnorm = 4 * units                   # gamma, beta, moving mean, moving variance
q6_params = {"dense": dense, "batchnorm": batchnorm, "trainable": dense + 2 * units,
             "non_trainable": 2 * units, "total": dense + batchnorm}'''

SEARCH = '''import os
import numpy as np
import keras
from keras import layers

''' + READ_IDX + '''x = read_idx(os.path.join(root, "train-images-idx3-ubyte"))[..., None].astype("float32") / 255.0
y = read_idx(os.path.join(root, "train-labels-idx1-ubyte")).astype("int64")
cut = int(0.8 * len(y))

def build(filters, units, dropout=True, pooling=True):
    def pool():
        return [layers.MaxPooling2D(2)] if pooling else []

    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(filters, 3, activation="relu"), *pool(),
                              layers.Conv2D(2 * filters, 3, activation="relu"), *pool(), layers.Flatten(),
                              *([layers.Dropout(0.25)] if dropout else []),
                              layers.Dense(units, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model

def trial(epochs=EPOCHS, **kw):
    keras.utils.set_random_seed(0)
    model = build(**kw)
    history = model.fit(x[:cut], y[:cut], validation_data=(x[cut:], y[cut:]), epochs=epochs, batch_size=32,
                        verbose=0)
    return model, history.history["val_accuracy"]

# a random search by hand over two points of the space (Keras Tuner's RandomSearch does the same)
trials = {(f, u): trial(filters=f, units=u) for f, u in ((8, 32), (16, 64))}
best = max(trials, key=lambda k: max(trials[k][1]))
trials[best][0].save("q1c_best.keras")
q1c_test_accuracy = max(trials[best][1])   # validation accuracy: the test split is the grader's'''

ABLATION = '''import matplotlib.pyplot as plt

q1c_ablation = {"tuned": trials[best][1]}
for name, kw in (("no_dropout", {"dropout": False}), ("no_pooling", {"pooling": False})):
    q1c_ablation[name] = trial(filters=best[0], units=best[1], **kw)[1]
for name, curve in q1c_ablation.items():
    plt.plot(curve, label=name)
plt.xlabel("epoch"); plt.ylabel("validation accuracy"); plt.legend(); plt.show()'''

GRAD_CAM = '''import tensorflow as tf

def grad_cam(params, image, class_index):
    """image: (12, 12, 1); returns the (8, 8) map of last_conv for class_index."""
    model = build_cam_model(params)
    inner = keras.Model(model.inputs, [model.get_layer("last_conv").output, model.outputs[0]])
    with tf.GradientTape() as tape:
        features, logits = inner(np.asarray(image, "float32")[None])
        score = logits[:, int(class_index)]
    grads = tape.gradient(score, features)[0]
    weights = tf.reduce_mean(grads, axis=(0, 1))          # alpha_k: the mean gradient of each channel
    cam = tf.nn.relu(tf.reduce_sum(features[0] * weights, axis=-1))
    return cam.numpy()'''

ANSWERS = {"q1c_model": SEARCH.replace("EPOCHS", "3"), "q1c_ablation": ABLATION, "grad_cam": GRAD_CAM,
           "q5_table": Q5, "q6_statements": Q6_STATEMENTS, "forward_batchnorm": Q6_BATCHNORM,
           "q6_params": Q6_PARAMS}

ESSAYS = {
    "q3": "ویژگی‌ها مقیاس‌های بسیار متفاوتی دارند؛ StandardScaler را فقط روی داده آموزش fit و روی آزمون transform می‌کنیم.",
    "q6c": "ε زیر رادیکال در x̂ = (x − μ)/√(σ² + ε) است تا وقتی واریانس صفر است تقسیم بر صفر رخ ندهد.",
    "q6d": "با یک نمونه μ = x و σ² = 0 است، پس خروجی در آموزش همیشه β است؛ به جای آن Layer Norm به کار می‌رود.",
}
