"""The hw5v sample students: one made from the real answer document, one all correct, one with gaps.

Ids and names are made up. Student A's numbers are the document's as written (wrong ones too):
their block counts multiply by the filter count twice and drop biases, their receptive field of
the last block is 4×4, and their locally connected count (14656) fits no output size.
"""

REAL_Q2A = '''columns = ["layer", "blocks", "kernel", "params_per_block", "params", "rf"]
q2a_table = [
    ["input", None, None, None, None, (1, 1)],
    [1, 3, (1, 1), 96 * 32, 3072 * 3, (1, 1)],
    [2, 2, (3, 3), 9216 * 32, 2 * 294912, (3, 3)],
    [3, 1, (3, 3), 9216 * 32, 294912, (5, 5)],
    [4, 1, (1, 1), 24576 * 256, 6291456, (4, 4)],
]'''
REAL_Q2B = '''columns = ["model", "params_1", "params_2", "params", "rf"]
q2b_table = [
    ["conv", 448, 4640, 5088, "3x3"],
    ["local", 448, 14656, 15104, "3x3"],
]'''

CORRECT_Q2A = '''import keras
from keras import layers

# name: (layer, kernel, filters, inputs); the last block sees the three branches concatenated
spec = {
    "b1_1": (1, 1, 32, ["input"]), "b1_2": (1, 1, 32, ["input"]), "b1_3": (1, 1, 32, ["input"]),
    "b2_1": (2, 3, 32, ["b1_2"]), "b2_2": (2, 3, 32, ["b1_3"]),
    "b3_1": (3, 3, 32, ["b2_2"]),
    "b4_1": (4, 1, 256, ["b1_1", "b2_1", "b3_1"]),
}
t = {"input": keras.Input((35, 35, 3))}
rf = {"input": (1, 1)}                       # (receptive field, jump)
for name, (_, k, f, inputs) in spec.items():
    x = [t[i] for i in inputs]
    x = x[0] if len(x) == 1 else layers.Concatenate()(x)
    t[name] = layers.Conv2D(f, k, padding="same", name=name)(x)
    r, j = max(rf[i][0] for i in inputs), rf[inputs[0]][1]
    rf[name] = (r + (k - 1) * j, j)
model = keras.Model(t["input"], t["b4_1"])

q2a_table = [["input", None, None, None, None, (1, 1)]]
for layer in (1, 2, 3, 4):
    names = [n for n, s in spec.items() if s[0] == layer]
    per_block = model.get_layer(names[0]).count_params()
    side = rf[names[0]][0]
    q2a_table.append([layer, len(names), spec[names[0]][1], per_block, per_block * len(names), (side, side)])'''
CORRECT_TOTAL = "q2a_total = model.count_params()"
CORRECT_Q2B = '''import keras
from keras import layers

conv = keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(16, 3), layers.Conv2D(32, 3)])
first, second = (l.count_params() for l in conv.layers)
_, h, w, _ = conv.layers[1].output.shape
local = h * w * (3 * 3 * 16 * 32 + 32)     # LocallyConnected2D: own weights and bias per position
q2b_table = [
    ["conv", first, second, first + second, (5, 5)],
    ["local", first, local, first + local, (5, 5)],
]'''

# CIFAR is not in the sample data: the histories come from 64 random stand-in images.
HISTORY = '''import numpy as np
import keras
import matplotlib.pyplot as plt
from keras import layers

def train(augment, epochs=EPOCHS):
    keras.utils.set_random_seed(0)
    x = np.random.rand(64, 32, 32, 3).astype("float32")
    y = keras.utils.to_categorical(np.random.randint(0, 10, 64), 10)
    extra = [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)] if augment else []
    model = keras.Sequential([keras.Input((32, 32, 3)), *extra, layers.Conv2D(8, 3, activation="relu"),
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x[:48], y[:48], validation_data=(x[48:], y[48:]), epochs=epochs, verbose=0).history
    for key in ("accuracy", "val_accuracy"):
        plt.plot(history[key], label=key)
    plt.legend(); plt.show()
    return history

q3a_history = train(augment=False)'''
RESNET = '''import keras

backbone = keras.applications.ResNet50(include_top=False, weights=None, input_shape=(32, 32, 3))
backbone.trainable = False
model = keras.Sequential([keras.Input((32, 32, 3)), backbone, keras.layers.GlobalAveragePooling2D(),
                          keras.layers.Dense(10, activation="softmax")])
trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
frozen = sum(int(w.numpy().size) for w in model.non_trainable_weights)
q3d_params = {"trainable": trainable, "non_trainable": frozen, "total": trainable + frozen}'''
SKIPS = '''import keras

base = keras.applications.MobileNetV2(input_shape=(128, 128, 3), include_top=False, weights=None)
names = ["block_1_expand_relu", "block_3_expand_relu", "block_6_expand_relu", "block_13_expand_relu",
         "block_16_project"]
q5_skips = [[name, tuple(base.get_layer(name).output.shape[1:])] for name in names]'''
CORRECT_EXPERIMENTS = {"q3a_history": HISTORY.replace("EPOCHS", "10"),
                       "q3b_history": "q3b_history = train(augment=True)", "q3d_params": RESNET, "q5_skips": SKIPS}
# Five epochs where ten are asked; the backbone left trainable (only batch norm's moving statistics
# frozen); the last skip given the 1280 channels of MobileNetV2's final convolution.
GAPS = {"q3a_history": HISTORY.replace("EPOCHS", "5"),
        "q3d_params": 'q3d_params = {"trainable": 23555082, "non_trainable": 53120, "total": 23608202}',
        "q5_skips": '''q5_skips = [
    ["block_1_expand_relu", (64, 64, 96)],
    ["block_3_expand_relu", (32, 32, 144)],
    ["block_6_expand_relu", (16, 16, 192)],
    ["block_13_expand_relu", (8, 8, 576)],
    ["block_16_project", (4, 4, 1280)],
]'''}

REAL_ESSAYS = {
    "q1a": "در شبکه ای دارای n لایه پنهان، n مشتق با هم ضرب می شوند. اگر مشتق ها بزرگ باشند، هنگام انتشار شیب "
           "به شکل تصاعدی زیاد میشه و مشکل گرادیان انفجاری رخ می دهد … اگر مشتق ها کوچک باشند، شیب به شکل "
           "تصاعدی کم شده تا در نهایت ناپدید شود.",
    "q1b": "Resnet با معرفی نوع جدیدی از بلوک باقی مانده، به شبکه دسترسی می دهد تا به جای توابع کامل، توابع "
           "باقی مانده را بیاموزد … در یک بلوک باقی مانده، ورودی به خروجی مجموعه ای از لایه های کانولوشن اضافه می شود.",
    "q2b": "استفاده از لایه دوبعدی locallyconnected سبب تولید پارامتر بیشتری می شود "
           "و در نتیجه حافظه زیادی مصرف می شود.",
    "q3a": "مدل شبکه ای با سه بلوک با فرمت (cnn2d, cnn2d, maxpool2d, batch normalization) و دو لایه dense "
           "تشکیل شده؛ با CategoricalCrossentropy و adam در 10 epoch با بچ سایز 256 آموزش داده شد.",
    "q3b": "برای داده افزایشی از وارون عمودی و چرخاندن تصادفی استفاده و آن را مانند یک لایه متوالی بعد از ورودی "
           "قرار میدهم (فقط هنگام آموزش اعمال می شود).",
    "q3c": "مقادیر loss و accuracy برای validation تغییرات زیادی دارد و با داده آموزشی فاصله دارد "
           "که نشانه overfit است.",
    "q3d": "مدل رزنت با وزن ها تعریفی ابتدای مدل قرار گرفته و سپس لایه cnn2d برای کم کردن ابعاد و لایه flatten, "
           "dense برای کلاس بندی.",
    "q4a": "هنگامی که گام بزرگتر از 1 باشد، هسته برخی از داده های ورودی را ignore می کند … ادغام عملیات ثابت مانند "
           "max pooling یا average pooling است در حالیکه گام پارامتری از خود لایه کانولوشنی است.",
    "q4b": "برای لایه های میانی ReLU و انواع آن؛ برای لایه آخر sigmoid (دو کلاس) یا softmax. تابع خطا binary cross "
           "entropy. باید روی ماکزیمم کردن recall تمرکز شود و precision را نیز در نظر بگیریم.",
    "q4c": "ج1: مناسب نیست … RNN، LSTM یا ترانسفورماتورها مناسب ترند. ج2: ممکن است مناسب نباشد. ج3: درخت تصمیم، "
           "gradient boosting و random forest مناسب تر اند.",
    "q4d": "overfitting، limited translation invariance، توانایی محدود در رسیدگی به اشیاء کوچک و انسداد، ورودی با "
           "اندازه متغیر، و از بین رفتن اطلاعات در لایه ادغام.",
    "q5": "برای ساختن unet ابتدا شبکه mobilenetv2 را لود و یک مدل backbone تعریف نموده … هر backbone را به یک "
          "upsample نظیر متصل و داده ها را به ابعاد اولیه تصاویر میبریم.",
}

STUDENTS = {
    # id: (name_fa, name_en, answers, essays)
    "s-hw5v-a": ("سارا نیک‌پور", "Sara Nikpour", {"q2a_table": REAL_Q2A, "q2a_total": "q2a_total = 7274288",
                                                    "q2b_table": REAL_Q2B}, REAL_ESSAYS),
    "s-hw5v-b": ("امید فرهمند", "Omid Farahmand", {"q2a_table": CORRECT_Q2A, "q2a_total": CORRECT_TOTAL,
                                                     "q2b_table": CORRECT_Q2B, **CORRECT_EXPERIMENTS},
                 {"q2b": REAL_ESSAYS["q2b"]}),
    "s-hw5v-c": ("لیلا شاکری", "Leila Shakeri", {"q2a_table": CORRECT_Q2A, **GAPS}, {}),
}
