"""How each sample student departs from the correct answers (see make_sample_class.py)."""
import re

from sample_hw3.correct import ANSWERS, ESSAYS

PARTLY_WRONG = {
    **ANSWERS,
    # SGD with a learning rate ten times too small, Adam without bias correction:
    "q1_sgd": "q1_sgd = w - 0.01 * q1_gradients",
    "q1_adam": "m = 0.1 * q1_gradients\nv = 0.001 * q1_gradients ** 2\nq1_adam = w - 0.1 * m / (np.sqrt(v) + 1e-8)",
    # the statement's Laplacian sign instead of the derivative filter's
    "q11_laplacian_2d": "q11_laplacian_2d = [[0, 1, 0], [1, -4, 1], [0, 1, 0]]",
    # the batch-norm scales and shifts left out of the parameter count
    "q4_params": ANSWERS["q4_params"].replace(
        "q4_params = sum(p.numel() for p in cifar_model.parameters())",
        "q4_params = sum(p.numel() for m in cifar_model if not isinstance(m, nn.BatchNorm2d) for p in m.parameters())"),
    # the input gradient as a correlation: the kernel is not flipped
    "conv1d_grads": ANSWERS["conv1d_grads"].replace('np.convolve(g, w, mode="full")', 'np.convolve(g, w[::-1], mode="full")'),
    # stopped after 30 small steps, and the accuracy reported is not the model's
    "iris_model": ANSWERS["iris_model"].replace("range(1000)", "range(30)").replace("lr=0.01", "lr=0.002")
    + "\niris_test_accuracy = 0.97",
    # three of the five depths, and the plot closed instead of shown
    "q9_grad_norms": ANSWERS["q9_grad_norms"].replace("(3, 9, 13, 17, 19)", "(3, 9, 13)")
    .replace("plt.show()", "plt.close(\"all\")"),
    # one step per epoch: the model learns that most digits are not zero, and says so for all of them
    "zero_model": ANSWERS["zero_model"].replace(".split(32)", ".split(1200)"),
    # row 8's parameters without the bias: one wrong table cell
    "q12_table": ANSWERS["q12_table"].replace("conv_params(384, 256, 3)]", "384 * 256 * 3 * 3]"),
}
# the squared norm instead of the norm for the max-pool model: outputs right, the rest wrong
PARTLY_WRONG["q3_max"] = '''conv = torch.nn.Conv1d(2, 1, kernel_size=2).double()
with torch.no_grad():
    conv.weight.copy_(torch.tensor(init_weight)); conv.bias.copy_(torch.tensor(init_bias))
pool = torch.nn.MaxPool1d(2, stride=1)
out1, out2 = pool(conv(torch.tensor(data1)[None])), pool(conv(torch.tensor(data2)[None]))
loss = ((out2 - out1) ** 2).sum()          # squared norm: not what the task asks
loss.backward()
q3_max = {"out1": out1.flatten().tolist(), "out2": out2.flatten().tolist(), "loss": loss.item(),
          "grad_weight": conv.weight.grad.numpy(), "grad_bias": conv.bias.grad.numpy(),
          "weight": (conv.weight - lr * conv.weight.grad).detach().numpy(),
          "bias": (conv.bias - lr * conv.bias.grad).detach().numpy()}'''

# s09 copies s02: the same wrong answers, the distinctive cell with its names and comment changed
NEAR_COPY = {
    **PARTLY_WRONG,
    "q3_max": re.sub(r"\bpool\b", "max_layer", re.sub(r"\bconv\b", "layer", PARTLY_WRONG["q3_max"]))
    .replace("# squared norm: not what the task asks", "# the distance between the outputs"),
}

RAISES = {
    **ANSWERS,
    # float32 layer fed float64 data: RuntimeError in the q3 cell, q3_max then has no q3_step
    "q3_avg": ANSWERS["q3_avg"].replace("torch.nn.Conv1d(2, 1, kernel_size=2).double()",
                                        "torch.nn.Conv1d(2, 1, kernel_size=2)"),
}

ENDLESS = {
    **ANSWERS,
    "iris_backward": "import time\nepoch = 0\nwhile epoch < 2000:   # forgot to increment epoch\n    time.sleep(0.01)\n\n"
    + ANSWERS["iris_backward"],
}

MISSING = {name: src for name, src in ANSWERS.items() if name in ("q1_forward", "q1_gradients", "q12_table")}

KERAS = {
    **ANSWERS,
    "q12_table": '''import keras
from keras import layers

model = keras.Sequential([
    keras.Input((227, 227, 3)),
    layers.Conv2D(96, 11, strides=4, name="r2"),
    layers.MaxPooling2D(3, strides=2, name="r3"),
    layers.Conv2D(256, 1, name="r4"),
    layers.MaxPooling2D(3, strides=2, name="r5"),
    layers.Conv2D(384, 3, padding="same", name="r6"),
    layers.Conv2D(384, 3, padding="same", name="r7"),
    layers.Conv2D(256, 3, padding="same", name="r8"),
    layers.MaxPooling2D(3, strides=2, name="r9"),
    layers.Flatten(),
    layers.Dense(4096, name="r10"),
    layers.Dense(4096, name="r11"),
    layers.Dense(1000, name="r12"),
])

def chw(shape):          # Keras is channels-last: (None, H, W, C) -> (C, H, W)
    return (shape[3], shape[1], shape[2]) if len(shape) == 4 else tuple(shape[1:])

rows = [[1, "input", None, None, None, None, None, (3, 227, 227), None]]
c_in = 3
for i in range(2, 13):
    layer = model.get_layer(f"r{i}")
    if isinstance(layer, layers.Conv2D):
        k, s = layer.kernel_size[0], layer.strides[0]
        p = (k - 1) // 2 if layer.padding == "same" else 0
        rows.append([i, "conv", c_in, layer.filters, k, p, s, chw(layer.output.shape), layer.count_params()])
        c_in = layer.filters
    elif isinstance(layer, layers.MaxPooling2D):
        rows.append([i, "maxpool", c_in, c_in, layer.pool_size[0], 0, layer.strides[0], chw(layer.output.shape), 0])
    else:
        n_in = layer.kernel.shape[0]
        rows.append([i, "dense", n_in, layer.units, None, None, None, (layer.units,), layer.count_params()])
q12_table = rows''',
}

OTHER_SHAPES = {
    **ANSWERS,
    # 0-d float32 tensors (on the GPU when there is one) for the numbers
    "q1_forward": ANSWERS["q1_forward"].replace(
        'q1_forward = {"h1": h1, "h2": h2, "o": o, "loss": loss}',
        'import torch\ndevice = "cuda" if torch.cuda.is_available() else "cpu"\n'
        'q1_forward = {k: torch.tensor(v, dtype=torch.float32, device=device)\n'
        '              for k, v in {"h1": h1, "h2": h2, "o": o, "loss": loss}.items()}'),
    "q1_gradients": "q1_gradients = grads.tolist()   # a plain list",
    "q1_sgd": "q1_sgd = [float(v) for v in w - 0.1 * grads]",
    "q1_adam": ANSWERS["q1_adam"].replace("q1_gradients", "grads"),
    # a (1, 1, 2)-shaped tensor and tensors in float32 for model 2
    "q3_max": 'r = q3_step("max")\nq3_max = {k: torch.tensor(v, dtype=torch.float32) for k, v in r.items()}\n'
              'q3_max["out1"] = q3_max["out1"].reshape(1, 1, 2)',
    "q11_laplacian_2d": ANSWERS["q11_laplacian_2d"] + "\nq11_laplacian_2d = q11_laplacian_2d.astype(int).tolist()",
    # a dict {method: (x, y)} for one table, a pandas DataFrame with its own headers for the other
    "q11_matches": ANSWERS["q11_matches"] + "\nq11_matches = {r['method']: (r['x'], r['y']) for r in rows}",
    "q12_table": ANSWERS["q12_table"] + '''
import pandas as pd
q12_table = pd.DataFrame(q12_table, columns=["Layer", "Type", "In", "Out", "K", "P", "S", "Output", "Params"])
q12_table["Output"] = q12_table["Output"].map(lambda s: "x".join(map(str, s)) if s else "-")
q12_table["Type"] = q12_table["Type"].replace({"conv": "Convolution", "maxpool": "Max Pooling", "linear": "Linear"})''',
}

STUDENTS = {
    # id: (name_fa, name_en, answers, essays)
    "s01": ("آرش رضایی", "Arash Rezaei", ANSWERS, ESSAYS),
    "s02": ("نگار احمدی", "Negar Ahmadi", PARTLY_WRONG, {"q5": ESSAYS["q5"]}),
    "s03": ("کیان موسوی", "Kian Mousavi", RAISES, {}),
    "s04": ("مهسا کریمی", "Mahsa Karimi", ENDLESS, {}),
    "s05": ("بهراد نوری", "Behrad Nouri", MISSING, {}),
    "s07": ("یاسمن صادقی", "Yasaman Sadeghi", KERAS, {"q13": ESSAYS["q13"]}),
    "s08": ("پارسا حسینی", "Parsa Hosseini", OTHER_SHAPES, ESSAYS),
    "s09": ("رها طاهری", "Raha Taheri", NEAR_COPY, {"q5": ESSAYS["q5"]}),
}
BROKEN = {"s06": ("ترانه جعفری", "Taraneh Jafari")}  # a notebook cut off mid-file: not valid JSON
