"""Answer cells of a student who gets every automatic answer right, computing them with torch."""

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

ANSWERS = {
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
