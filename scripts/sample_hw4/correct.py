"""Answer cells of a student who gets every automatic answer right, computed with code."""

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

ANSWERS = {"q5_table": Q5, "q6_statements": Q6_STATEMENTS, "forward_batchnorm": Q6_BATCHNORM,
           "q6_params": Q6_PARAMS}

ESSAYS = {
    "q3": "ویژگی‌ها مقیاس‌های بسیار متفاوتی دارند؛ StandardScaler را فقط روی داده آموزش fit و روی آزمون transform می‌کنیم.",
    "q6c": "ε زیر رادیکال در x̂ = (x − μ)/√(σ² + ε) است تا وقتی واریانس صفر است تقسیم بر صفر رخ ندهد.",
    "q6d": "با یک نمونه μ = x و σ² = 0 است، پس خروجی در آموزش همیشه β است؛ به جای آن Layer Norm به کار می‌رود.",
}
