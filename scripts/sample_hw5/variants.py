"""The sample students of homework 5 (see make_sample_class.py)."""
from sample_hw5 import real
from sample_hw5.correct import ANSWERS, ESSAYS, MNIST_MODEL

# Classic slips: a flipped kernel (the textbook convolution, not a CNN layer), no biases, and a
# valid convolution taken as n - k instead of n - k + 1 (the flattened size happens to stay 800).
SLIPS = {
    "q1e_output": ANSWERS["q1e_output"].replace("F.conv2d(x, w,", "F.conv2d(x, w.flip(2, 3),"),
    "q2e_table": ANSWERS["q2e_table"].replace(
        "sum(p.numel() for p in layer.parameters())",
        "sum(p.numel() for n, p in layer.named_parameters() if 'bias' not in n)"),
    "q4_table": ANSWERS["q4_table"].replace("return n - k + 1", "return n - k"),
    "q4_frozen": "q4_frozen = 4 * 4 * 3 * 32 + 4 * 4 * 32 * 32   # the two Conv2D kernels, biases forgotten",
    # two poolings counted instead of three; the MNIST model saved as a state_dict, not TorchScript
    "q3a_fc1_in": "q3a_fc1_in = 256 * 4 * 4",
    "q3b_model": MNIST_MODEL.replace("EPOCHS", "1").replace("SAVE", 'torch.save(model.state_dict(), "q3b_mnist.pt")'),
}

STUDENTS = {
    # id: (name_fa, name_en, answers, essays)
    "s-hw5-a": ("سارا نیک‌پور", "Sara Nikpour", real.ANSWERS, real.ESSAYS),
    "s-hw5-b": ("امید فرهادی", "Omid Farhadi", ANSWERS, ESSAYS),
    "s-hw5-c": ("رها قاسمی", "Raha Ghasemi", {}, {"q2b": "۸۰ درصد آموزش، ۱۰ درصد اعتبارسنجی و ۱۰ درصد آزمون."}),
    "s-hw5-d": ("کاوه شریفی", "Kaveh Sharifi", SLIPS, {}),
}
