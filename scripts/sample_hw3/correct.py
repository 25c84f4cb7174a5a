"""Answer cells of a student who gets every automatic answer right (numpy and torch)."""
from sample_common import READ_IDX


Q1 = '''import numpy as np
x = np.array([1.5, 1.0, 1.0]); y = 0.0
w = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, -0.4])
z1 = w[0:3] @ x; h1 = np.tanh(z1)
z2 = w[3:6] @ x; h2 = z2 if z2 > 0 else 0.2 * z2
o = 1 / (1 + np.exp(-(w[6] * h1 + w[7] * h2)))
loss = 0.5 * (o - y) ** 2
d_o = (o - y) * o * (1 - o)                     # dL/dz at the output
d_h1 = d_o * w[6] * (1 - h1 ** 2)               # through tanh
d_h2 = d_o * w[7] * (1.0 if z2 > 0 else 0.2)    # through LeakyReLU(0.2)
grads = np.concatenate([d_h1 * x, d_h2 * x, [d_o * h1, d_o * h2]])
q1_forward = {"h1": h1, "h2": h2, "o": o, "loss": loss}'''

ADAM = '''m = (1 - 0.9) * q1_gradients
v = (1 - 0.999) * q1_gradients ** 2
m_hat, v_hat = m / (1 - 0.9), v / (1 - 0.999)
q1_adam = w - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8)'''

Q3 = '''import torch

def q3_step(pool):
    conv = torch.nn.Conv1d(2, 1, kernel_size=2).double()
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(init_weight)); conv.bias.copy_(torch.tensor(init_bias))
    pooling = torch.nn.AvgPool1d(2, stride=1) if pool == "avg" else torch.nn.MaxPool1d(2, stride=1)
    opt = torch.optim.SGD(conv.parameters(), lr=lr)
    out1 = pooling(conv(torch.tensor(data1)[None]))
    out2 = pooling(conv(torch.tensor(data2)[None]))
    loss = torch.norm(out2 - out1)
    opt.zero_grad(); loss.backward()
    grads = conv.weight.grad.clone(), conv.bias.grad.clone()
    opt.step()
    return {"out1": out1.flatten().tolist(), "out2": out2.flatten().tolist(), "loss": loss.item(),
            "grad_weight": grads[0].numpy(), "grad_bias": grads[1].numpy(),
            "weight": conv.weight.detach().numpy(), "bias": conv.bias.detach().numpy()}

q3_avg = q3_step("avg")'''

IRIS = '''import numpy as np

def iris_backward(params, X, y):
    """Hand-written backward pass: LeakyReLU(0.2) hidden layers, softmax + mean cross-entropy."""
    W = [params[f"W{i}"] for i in range(1, 5)]
    b = [params[f"b{i}"] for i in range(1, 5)]
    acts, pre = [X], []
    for i in range(4):
        z = acts[-1] @ W[i].T + b[i]
        pre.append(z)
        acts.append(np.where(z > 0, z, 0.2 * z) if i < 3 else z)
    p = np.exp(acts[-1] - acts[-1].max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    delta = p.copy()
    delta[np.arange(len(y)), y] -= 1
    delta /= len(y)
    grads = {}
    for i in range(3, -1, -1):
        grads[f"W{i + 1}"] = delta.T @ acts[i]
        grads[f"b{i + 1}"] = delta.sum(axis=0)
        if i:
            delta = (delta @ W[i]) * np.where(pre[i - 1] > 0, 1.0, 0.2)
    return grads'''

FILTERS = '''kernels = {
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
    "outline": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "bottom_sobel": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "right_sobel": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "top_sobel": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
    "difference": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "weighted_average": [[1, 1, 1], [1, 8, 1], [1, 1, 1]],
}
q11_filtered = {name: cv2.filter2D(pic1, cv2.CV_32F, np.array(k, dtype=np.float32)) for name, k in kernels.items()}'''

MATCHES = '''rows = []
for method in ["TM_CCORR", "TM_CCORR_NORMED", "TM_CCOEFF", "TM_CCOEFF_NORMED", "TM_SQDIFF", "TM_SQDIFF_NORMED"]:
    result = cv2.matchTemplate(pic1, pic2, getattr(cv2, method))
    _, _, min_loc, max_loc = cv2.minMaxLoc(result)
    x, y = min_loc if "SQDIFF" in method else max_loc
    rows.append({"method": method, "x": x, "y": y})
q11_matches = rows'''

LAPLACIAN = '''d = np.array([-1, 2, -1])
q11_laplacian_2d = np.zeros((3, 3))
q11_laplacian_2d[1, :] += d      # second difference along x
q11_laplacian_2d[:, 1] += d      # second difference along y'''

TABLE = '''def conv_params(c_in, c_out, k):
    return c_out * (c_in * k * k + 1)

def out_size(n, k, p, s):
    return (n + 2 * p - k) // s + 1

columns = ["layer", "type", "in", "out", "k", "p", "s", "output", "params"]
q12_table = [
    [1, "input", None, None, None, None, None, (3, 227, 227), None],
    [2, "conv", 3, 96, 11, 0, 4, (96, out_size(227, 11, 0, 4), out_size(227, 11, 0, 4)), conv_params(3, 96, 11)],
    [3, "maxpool", 96, 96, 3, 0, 2, (96, 27, 27), 0],
    [4, "conv", 96, 256, 1, 0, 1, (256, 27, 27), conv_params(96, 256, 1)],
    [5, "maxpool", 256, 256, 3, 0, 2, (256, out_size(27, 3, 0, 2), out_size(27, 3, 0, 2)), 0],
    [6, "conv", 256, 384, 3, 1, 1, (384, 13, 13), conv_params(256, 384, 3)],
    [7, "conv", 384, 1327488 // (384 * 9 + 1), 3, 1, 1, (384, 13, 13), 1327488],
    [8, "conv", 384, 256, 3, 1, 1, (256, 13, 13), conv_params(384, 256, 3)],
    [9, "maxpool", 256, 256, 3, 0, 2, (256, 6, 6), 0],
    [10, "linear", 256 * 6 * 6, 4096, None, None, None, None, 256 * 6 * 6 * 4096 + 4096],
    [11, "linear", 4096, 4096, None, None, None, None, 4096 * 4096 + 4096],
    [12, "linear", 4096, 1000, None, None, None, (1000,), 4096 * 1000 + 1000],
]'''

SEPARABLE = '''import numpy as np

def separable_conv(H, depthwise, pointwise, bias):
    C, h, w = H.shape
    k = depthwise.shape[1]
    depth = np.zeros((C, h - k + 1, w - k + 1))
    for c in range(C):                      # depth-wise: each channel with its own kernel
        for y in range(h - k + 1):
            for x in range(w - k + 1):
                depth[c, y, x] = np.sum(H[c, y:y + k, x:x + k] * depthwise[c])
    return np.einsum("ij,jyx->iyx", pointwise, depth) + bias[:, None, None]   # point-wise 1x1'''

RANK1 = '''import torch

def rank1_conv(H, a, b, c, d, G):
    H, a, b, c, d = (torch.tensor(v, requires_grad=True) for v in (H, a, b, c, d))
    S = torch.einsum("j,jhw->hw", b, H)                  # mix the channels once with b
    U = torch.nn.functional.conv2d(S[None, None], torch.outer(c, d)[None, None])[0, 0]
    Z = a[:, None, None] * U                             # one map, scaled per output channel
    (Z * torch.tensor(G)).sum().backward()
    return {"Z": Z.detach(), "a": a.grad, "b": b.grad, "c": c.grad, "d": d.grad, "H": H.grad}'''

CONV_BACKWARD = '''def conv_backward(H, W, bias, G):
    N, C, k, _ = W.shape
    dW, dH = np.zeros_like(W), np.zeros_like(H)
    for i in range(N):
        for y in range(G.shape[1]):
            for x in range(G.shape[2]):
                dW[i] += G[i, y, x] * H[:, y:y + k, x:x + k]
                dH[:, y:y + k, x:x + k] += G[i, y, x] * W[i]
    return {"W": dW, "bias": G.sum(axis=(1, 2)), "H": dH}'''

CONV1D = '''def conv1d_grads(h, w, g):
    # dL/dh: full convolution of g with w; dL/dw: valid correlation of h with g
    return {"h": np.convolve(g, w, mode="full"), "w": np.correlate(h, g, mode="valid")}'''

CIFAR = '''import torch.nn as nn

def block(c_in, c_mid, c_out):
    return [nn.Conv2d(c_in, c_mid, 3, padding=1), nn.ReLU(), nn.Conv2d(c_mid, c_out, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2, 2), nn.BatchNorm2d(c_out)]

q4_flatten = 256 * 4 * 4   # 32 -> 16 -> 8 -> 4 after three poolings, 256 channels'''

CIFAR_PARAMS = '''cifar_model = nn.Sequential(*block(3, 32, 64), *block(64, 128, 128), *block(128, 256, 256), nn.Flatten(),
                            nn.Linear(q4_flatten, 1024), nn.ReLU(), nn.Linear(1024, 512), nn.ReLU(), nn.Linear(512, 10))
q4_params = sum(p.numel() for p in cifar_model.parameters())'''

IRIS_MODEL = '''import torch
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

data = load_iris()
x_tr, x_te, y_tr, y_te = train_test_split(data.data, data.target, test_size=0.3, random_state=0,
                                          stratify=data.target)
mean, std = x_tr.mean(axis=0), x_tr.std(axis=0)
x_tr, x_te = (torch.tensor((a - mean) / std, dtype=torch.float32) for a in (x_tr, x_te))
y_tr, y_te = torch.tensor(y_tr), torch.tensor(y_te)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.LeakyReLU(0.2), torch.nn.Linear(5, 5),
                            torch.nn.LeakyReLU(0.2), torch.nn.Linear(5, 5), torch.nn.LeakyReLU(0.2),
                            torch.nn.Linear(5, 3))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(EPOCHS):
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(x_tr), y_tr).backward()
    opt.step()
torch.save(model.state_dict(), "iris_model.pt")
iris_test_accuracy = (model(x_te).argmax(1) == y_te).float().mean().item()'''

Q4_RUNS = '''import matplotlib.pyplot as plt

# test accuracy per epoch of the five runs (trained on a GPU at home; the histories are kept here)
q4_runs = {
    "l1": [0.42, 0.51, 0.56, 0.59, 0.61, 0.62, 0.63, 0.64],
    "l2": [0.45, 0.55, 0.61, 0.65, 0.67, 0.69, 0.70, 0.70],
    "augmentation": [0.40, 0.52, 0.59, 0.64, 0.68, 0.71, 0.73, 0.74],
    "dropout": [0.43, 0.54, 0.60, 0.64, 0.67, 0.69, 0.71, 0.72],
    "early_stopping": [0.47, 0.58, 0.64, 0.67, 0.69],
}
for name, accuracy in q4_runs.items():
    plt.plot(range(1, len(accuracy) + 1), accuracy, label=name)
plt.xlabel("epoch"); plt.ylabel("test accuracy"); plt.legend(); plt.show()'''

GRAD_NORMS = '''import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_breast_cancer

data = load_breast_cancer()
x = torch.tensor((data.data - data.data.mean(0)) / data.data.std(0), dtype=torch.float32)
y = torch.tensor(data.target)
q9_grad_norms = {}
for depth in (3, 9, 13, 17, 19):
    torch.manual_seed(0)
    sizes = [30] + [16] * depth
    layers = [m for a, b in zip(sizes, sizes[1:]) for m in (torch.nn.Linear(a, b), torch.nn.Sigmoid())]
    net = torch.nn.Sequential(*layers, torch.nn.Linear(16, 2))
    torch.nn.functional.cross_entropy(net(x), y).backward()
    q9_grad_norms[depth] = [m.weight.grad.norm().item() for m in net if isinstance(m, torch.nn.Linear)]
    plt.semilogy(q9_grad_norms[depth], label=f"{depth} hidden layers")
plt.xlabel("layer"); plt.ylabel("L2 norm of the weight gradient"); plt.legend()
plt.show()'''

ZERO_MODEL = '''import os
import numpy as np
import torch

''' + READ_IDX + '''x = torch.tensor(read_idx(os.path.join(root, "train-images-idx3-ubyte")) / 255.0, dtype=torch.float32)[:, None]
y = torch.tensor(read_idx(os.path.join(root, "train-labels-idx1-ubyte")) == 0, dtype=torch.float32)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(5):
    for idx in torch.randperm(len(y)).split(BATCH):
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(model(x[idx]).squeeze(1), y[idx]).backward()
        opt.step()
torch.jit.script(model).save("zero_vs_rest.pt")'''

NODES = '''from sklearn.datasets import load_breast_cancer
data = load_breast_cancer()
q9_nodes = {"inputs": data.data.shape[1], "outputs": len(set(data.target))}'''

ANSWERS = {
    "q1_forward": Q1,
    "q1_gradients": "q1_gradients = grads",
    "q1_sgd": "q1_sgd = w - 0.1 * q1_gradients",
    "q1_adam": ADAM,
    "q3_avg": Q3,
    "q3_max": 'q3_max = q3_step("max")',
    "iris_backward": IRIS,
    "iris_model": IRIS_MODEL.replace("EPOCHS", "1000"),
    "q11_filtered": FILTERS,
    "q11_matches": MATCHES,
    "q11_laplacian_2d": LAPLACIAN,
    "q12_table": TABLE,
    "separable_conv": SEPARABLE,
    "rank1_conv": RANK1,
    "conv_backward": CONV_BACKWARD,
    "conv1d_grads": CONV1D,
    "q4_flatten": CIFAR,
    "q4_params": CIFAR_PARAMS,
    "q9_nodes": NODES,
    "q9_grad_norms": GRAD_NORMS,
    "q4_runs": Q4_RUNS,
    "zero_model": ZERO_MODEL.replace("BATCH", "32"),
    "q10_flatten": "q10_flatten = 32 * 7 * 7   # 28 -> 14 -> 7 after two poolings, 32 channels",
}

ESSAYS = {
    "q1b": "پس‌انتشار با قاعده زنجیره‌ای مشتق هر گره را یک بار حساب و نگه می‌دارد؛ "
           "مشتق وزن‌های لایه‌های پایین‌تر از همین مقدارهای ذخیره‌شده ساخته می‌شود و مشتق‌گیری تکرار نمی‌شود.",
    "q5": "Dropout در هر گام یکی از 2^n زیرشبکه با وزن‌های مشترک را آموزش می‌دهد و در آزمون، "
          "ضرب وزن‌ها در p میانگین هندسی پیش‌بینی این زیرشبکه‌ها را تقریب می‌زند.",
    "q13": "با تقریب درجه دو حول کمینه، τ گام GD با نرخ ε مانند منظم‌سازی L2 با α ≈ 1/(τε) است.",
}
