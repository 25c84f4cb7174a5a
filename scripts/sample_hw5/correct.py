"""Answer cells of a student who gets every automatic answer right, computing them with torch."""
from sample_common import READ_IDX


CONV = '''import torch
import torch.nn.functional as F

x = torch.tensor(image)[None, None]       # (N, C, H, W)
w = torch.tensor(kernel)[None, None]      # (out, in, kH, kW)
q1e_output = F.conv2d(x, w, padding=1)[0, 0].numpy()'''

TABLE = '''import torch
from torch import nn

layers = [
    ("conv5-10", nn.Conv2d(1, 10, 5, padding=2)),
    ("pool2", nn.MaxPool2d(2)),
    ("conv5-10", nn.Conv2d(10, 10, 5, padding=2)),
    ("pool2", nn.MaxPool2d(2)),
    ("fc-10", nn.Sequential(nn.Flatten(), nn.Linear(640, 10))),
]
x = torch.zeros(1, 1, 32, 32)
q2e_table = [[1, "input", (32, 32, 1), x.numel(), 0]]
for i, (name, layer) in enumerate(layers, start=2):
    x = layer(x)
    shape = (x.shape[2], x.shape[3], x.shape[1]) if x.dim() == 4 else (x.shape[1],)   # H x W x C
    q2e_table.append([i, name, shape, x.numel(), sum(p.numel() for p in layer.parameters())])'''

KERAS_TABLE = '''def conv(n, k):                 # valid padding, stride 1
    return n - k + 1

rows, n, c = [], 32, 3
n = conv(n, 4); rows.append([1, "conv2d", (n, n, 32), 4 * 4 * c * 32 + 32]); c = 32
n //= 2;       rows.append([2, "maxpooling2d", (n, n, c), 0])
n = conv(n, 4); rows.append([3, "conv2d", (n, n, 32), 4 * 4 * c * 32 + 32])
n //= 2;       rows.append([4, "maxpooling2d", (n, n, c), 0])
flat = n * n * c
rows.append([5, "flatten", (flat,), 0])
rows.append([6, "dense", (256,), flat * 256 + 256])
rows.append([7, "dense", (5,), 256 * 5 + 5])
q4_table = rows'''

FC1_IN = '''import torch
from torch import nn

features = nn.Sequential(
    nn.Conv2d(3, 64, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
    nn.Conv2d(64, 128, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
    nn.Conv2d(128, 256, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
    nn.Flatten(),
)
q3a_fc1_in = features(torch.zeros(1, 3, 32, 32)).shape[1]   # 32 -> 30 -> 15 -> 13 -> 6 -> 4 -> 2: 256 * 2 * 2'''

# CIFAR-10 is not in the sample data: the two runs train on 64 random stand-in images.
CIFAR_RUNS = '''import copy
import matplotlib.pyplot as plt

def cifar_net(p):   # each run starts from the same untrained convolutions
    return nn.Sequential(copy.deepcopy(features), nn.Dropout(p), nn.Linear(q3a_fc1_in, 128), nn.ReLU(),
                         nn.Dropout(p), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 10))

torch.manual_seed(0)
x, y = torch.rand(64, 3, 32, 32), torch.randint(0, 10, (64,))
q3a_runs = {}
for name, p in (("no_dropout", 0.0), ("dropout", 0.2)):
    net = cifar_net(p)
    opt = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    q3a_runs[name] = []
    for epoch in range(2):
        net.train()
        for idx in torch.arange(64).split(16):
            opt.zero_grad()
            nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
        net.eval()
        q3a_runs[name].append((net(x).argmax(1) == y).float().mean().item())
    plt.plot(q3a_runs[name], label=name)
plt.xlabel("epoch"); plt.ylabel("accuracy"); plt.legend(); plt.show()'''

MNIST_MODEL = '''import os
import numpy as np
import torch
from torch import nn

''' + READ_IDX + '''x = torch.tensor((read_idx(os.path.join(root, "train-images-idx3-ubyte")) / 255.0 - 0.5) / 0.5,
                 dtype=torch.float32)[:, None]
y = torch.tensor(read_idx(os.path.join(root, "train-labels-idx1-ubyte")), dtype=torch.long)
cut = int(0.8 * len(y))
torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(8 * 14 * 14, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(EPOCHS):
    model.train()
    for idx in torch.randperm(cut).split(32):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
        opt.step()
model.eval()
with torch.no_grad():
    q3b_test_accuracy = (model(x[cut:]).argmax(1) == y[cut:]).float().mean().item()   # held-out 20 %
SAVE'''

# CIFAR-10 is not in the sample data: both trainings run on 200 random stand-in images.
TRANSFER_RUNS = '''import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(0)
x = np.random.rand(200, 32, 32, 3).astype("float32")
y1, y2 = (np.eye(5)[np.random.randint(0, 5, 200)] for _ in range(2))
first = keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(32, 4, activation="relu"), layers.MaxPooling2D(2),
                          layers.Conv2D(32, 4, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
                          layers.Dense(256, activation="relu"), layers.Dense(5, activation="softmax")])
first.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
h1 = first.fit(x[:160], y1[:160], validation_data=(x[160:], y1[160:]), epochs=2, verbose=0)
for layer in first.layers[:5]:
    layer.trainable = False
second = keras.Sequential([keras.Input((32, 32, 3)), *first.layers[:5], layers.Dense(128, activation="relu"),
                           layers.Dense(5, activation="softmax")])
second.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
h2 = second.fit(x[:160], y2[:160], validation_data=(x[160:], y2[160:]), epochs=2, verbose=0)
q4_runs = {"first": h1.history["val_accuracy"], "second": h2.history["val_accuracy"]}'''

ANSWERS = {
    "q3a_fc1_in": FC1_IN,
    "q3a_runs": CIFAR_RUNS,
    "q3b_model": MNIST_MODEL.replace("EPOCHS", "10").replace("SAVE", 'torch.jit.script(model).save("q3b_mnist.pt")'),
    "q4_runs": TRANSFER_RUNS,
    "q1e_output": CONV,
    "q2e_table": TABLE,
    "q4_table": KERAS_TABLE,
    "q4_frozen": "q4_frozen = sum(row[3] for row in q4_table[:5])   # the two Conv2D layers",
}

ESSAYS = {
    "q1a": "پیچش با وزن‌های مشترک نسبت به جابه‌جایی هم‌وردا است و pooling فقط جابه‌جایی‌های کوچک را می‌پوشاند؛ "
           "CNN نسبت به چرخش، مقیاس و زاویه دید به‌طور ذاتی تغییرناپذیر نیست و این را با افزایش داده می‌آموزد.",
    "q2c": "توزیع داده آموزش (روز) و آزمون (شب) یکی نیست؛ باید روز و شب را با نسبت یکسان در هر سه مجموعه گذاشت "
           "و با تغییر روشنایی داده را افزایش داد.",
}
