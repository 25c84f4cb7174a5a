"""Answer cells of a student who gets every automatic answer right, and full essays."""

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
