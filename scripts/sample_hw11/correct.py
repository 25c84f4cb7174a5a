"""Answer cells of a student who gets every automatic answer right, and full essays."""
from sample_common import READ_IDX


Q1 = '''import keras
from keras import layers

image = keras.Input((30, 30, 1))
words = keras.Input((100,), dtype="int32")
image_branch = [layers.Conv2D(64, 7, activation="relu"), layers.MaxPooling2D(2),
                layers.Conv2D(128, 5, activation="relu"), layers.MaxPooling2D(2),
                layers.Conv2D(256, 3, activation="relu"), layers.MaxPooling2D(2),
                layers.Flatten(), layers.Dense(128, activation="relu")]
text_branch = [layers.Embedding(1000, 256), layers.SimpleRNN(128), layers.Dense(128, activation="relu")]
head = [layers.Concatenate(), layers.Dense(128, activation="relu"), layers.Dense(1000, activation="softmax")]

x = image
for layer in image_branch:
    x = layer(x)
t = words
for layer in text_branch:
    t = layer(t)
m = head[0]([x, t])
for layer in head[1:]:
    m = layer(m)
model = keras.Model([image, words], m)

columns = ["layer", "type", "output", "params"]
q1_table = [[n, type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params()]
            for n, layer in enumerate(image_branch + text_branch + head, start=1)]'''

PAIRS = '''def context_pairs(sentence, window):
    """sentence: 1-D array of word indices; returns [[centre, context], ...]."""
    words = list(sentence)
    pairs = []
    for i, word in enumerate(words):
        for w in range(window):
            if i + 1 + w < len(words):          # the word w + 1 places ahead
                pairs.append([word, words[i + 1 + w]])
            if i - w - 1 >= 0:                  # the word w + 1 places behind
                pairs.append([word, words[i - w - 1]])
    return pairs'''

# Reuters is not in the sample data: the embedding trains on a few sentences written for it.
EMBEDDING = '''import numpy as np
import keras
import matplotlib.pyplot as plt

news = ["iraq and kuwait pump more crude oil", "oil and gas prices rise as opec meets",
        "kuwait sells gas and crude to japan", "iraq raises crude oil output", "energy ministers discuss gas supply"]
sentences = [s.split() for s in news]
vocab = sorted({w for s in sentences for w in s})
index = {w: i for i, w in enumerate(vocab)}
pairs = np.array([p for s in sentences for p in context_pairs([index[w] for w in s], 2)])
eye = np.eye(len(vocab), dtype="float32")
keras.utils.set_random_seed(0)
net = keras.Sequential([keras.Input((len(vocab),)), keras.layers.Dense(2, name="embedding"),
                        keras.layers.Dense(len(vocab), activation="softmax")])
net.compile(optimizer=keras.optimizers.Adam(0.05), loss="categorical_crossentropy")
history = net.fit(eye[pairs[:, 0]], eye[pairs[:, 1]], epochs=20, verbose=0)
vectors = net.get_layer("embedding").get_weights()[0]
q2d_run = {"loss": history.history["loss"], **{w: vectors[index[w]] for w in ("oil", "gas", "iraq", "kuwait")}}
plt.plot(q2d_run["loss"]); plt.xlabel("epoch"); plt.ylabel("loss"); plt.show()
plt.scatter(vectors[:, 0], vectors[:, 1])
for w, (a, b) in zip(vocab, vectors):
    plt.annotate(w, (a, b))
plt.show()'''

CNN = '''import os
import numpy as np
import keras
from keras import layers

''' + READ_IDX + '''x = read_idx(os.path.join(root, "train-images-idx3-ubyte"))[..., None].astype("float32") / 255.0
y = keras.utils.to_categorical(read_idx(os.path.join(root, "train-labels-idx1-ubyte")), 10)
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
                          layers.Conv2D(32, 3, activation="relu", name="last_conv"), layers.MaxPooling2D(2),
                          layers.Flatten(), layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, validation_split=0.2, epochs=4, batch_size=32, verbose=0)
model.save("q3_mnist_cnn.keras")
q3_test_accuracy = history.history["val_accuracy"][-1]   # validation accuracy: the test split is the grader's'''

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
    return tf.nn.relu(tf.reduce_sum(features[0] * weights, axis=-1)).numpy()'''

ANSWERS = {"q1_table": Q1, "context_pairs": PAIRS, "q2d_run": EMBEDDING, "q3_model": CNN, "grad_cam": GRAD_CAM}

ESSAYS = {
    "q2a": "تابع text_preprocessing به ترتیب نشانه‌های نگارشی را حذف می‌کند، واژه‌هایی را که رقم دارند و خود "
           "رقم‌ها را برمی‌دارد، فاصله‌های اضافی را یکی می‌کند، همه حروف را کوچک می‌کند، متن را به واژه‌ها "
           "می‌شکند و کلمات ایست را کنار می‌گذارد. کلمات ایست (مانند the، of، and) پربسامد و کم‌معنا هستند و "
           "درباره بافت اطلاعی نمی‌دهند؛ نگه داشتن آن‌ها فقط زوج‌های آموزشی بی‌فایده را زیاد می‌کند.",
    "q2b": "برای هر واژه، واژه‌هایی که تا فاصله پنجره (۲) در دو طرف آن هستند با آن زوج می‌شوند. فرهنگ واژه‌های "
           "یکتا به هر واژه یک شماره می‌دهد؛ ورودی شبکه بردار one-hot واژه مرکزی و خروجی مورد انتظار one-hot "
           "واژه بافت است و این ماتریس‌های بزرگ و پر از صفر با scipy.sparse.csr_matrix نگه داشته می‌شوند. "
           "پنجره بزرگ‌تر زوج‌های بیشتر و بافت گسترده‌تر (شباهت موضوعی) می‌دهد ولی آموزش کندتر می‌شود؛ پنجره "
           "کوچک‌تر شباهت نحوی و نزدیک‌تر را می‌گیرد و سریع‌تر است.",
    "q2c": "چون ورودی one-hot است، ضرب آن در ماتریس وزن لایه اول فقط سطر همان واژه را برمی‌دارد؛ پس دو وزنی که "
           "هر نورون ورودی به دو نورون پنهان دارد همان بردار دوبعدی embedding آن واژه است و مختصات x و y آن "
           "در نمودار را می‌دهد. واژه‌هایی که بافت مشابه دارند بردارهای نزدیک به هم پیدا می‌کنند.",
    "q2d": "شبکه ۱۰۰۰ دوره آموزش دید و نمودار هزینه نزولی است ولی هنوز همگرا نشده است. در نمودار دوبعدی، "
           "کشورها (Iraq، Iran، Kuwait) در یک ناحیه و واژه‌های انرژی (oil، gas، energy، nuclear) در ناحیه "
           "دیگری جمع شده‌اند؛ Kuwait کمی دور از بقیه کشورهاست. واژه‌های big، large و massive را افزودم که "
           "نزدیک هم افتادند.",
    "q3": "داده MNIST (۶۰ هزار آموزش و ۱۰ هزار آزمون) به ۲۸×۲۸×۱ تغییر شکل داده، نرمال و one-hot شد و شبکه "
          "پس از ۱۵ دوره به دقت آزمون ۹۹٪ رسید. برای Grad-CAM با GradientTape گرادیان امتیاز کلاس پیش‌بینی‌شده "
          "نسبت به نقشه‌های ویژگی آخرین لایه پیچشی را گرفتم، میانگین سراسری گرادیان هر کانال را وزن آن کانال "
          "گرفتم، جمع وزن‌دار را از ReLU گذراندم، به ۲۸×۲۸ بزرگ کردم و روی تصویر انداختم. شبکه برای رقم ۷ به "
          "خط افقی بالا و برای ۰ به حلقه توجه می‌کند؛ در یک ۹ اشتباه، توجه روی دنباله پایین بود.",
}
