"""The hw11 sample students (see make_sample_class.py); ids and names are invented."""
from sample_hw11.correct import ANSWERS, ESSAYS

# The real answer document (shared/assignments/004_ffd91f2063be86ae.txt), numbers and arithmetic
# as the student wrote them, right or wrong: layer 1's shape reads (24, 24, 60), the Embedding
# counts a bias and a 1000-neuron hidden layer, and its output drops the sequence axis.
REAL_Q1 = '''columns = ["layer", "type", "output", "params"]
q1_table = [
    [1, "Conv2D", (24, 24, 60), ((7*7*1) + 1) * 64],
    [2, "MaxPooling2D", (12, 12, 64), 0],
    [3, "Conv2D", (8, 8, 128), ((64*25) + 1) * 128],
    [4, "MaxPooling2D", (8/2, 8/2, 128), 0],
    [5, "Conv2D", (2, 2, 256), ((128*9) + 1) * 256],
    [6, "MaxPooling2D", (2/2, 2/2, 256), 0],
    [7, "Flatten", (256,), 0],
    [8, "Dense", (128,), (256 + 1) * 128],
    [9, "Embedding", (256,), (1000+1) * 256 + (256+1) * 1000],
    [10, "SimpleRNN", (128,), 1 * (128 * (128+256) + 128)],
    [11, "Dense", (128,), (128 + 1) * 128],
    [12, "Concatenate", (256,), 0],
    [13, "Dense", (128,), (256 + 1) * 128],
    [14, "Dense", (1000,), (128 + 1) * 1000],
]'''

REAL_ESSAYS = {  # short excerpts of the student's own Persian text
    "q2a": "ابتدا در حلقه اولیه punctuation ها با رشته خالی جایگزین شده اند. سپس کلماتی که در آنها رقم وجود داشته "
           "باشد، حذف شدهاند. سپس ارقام حذف شدند. در مرحله بعد تعداد اسپیس های خالی اضافی بهینه شدند. بعد تمامی "
           "کلمات به صورت lower در آمدند. در نهایت همه کلمات text در یک لیست ذخیره شده و stop_word ها از میان "
           "آنها حذف شدند. Stop_word ها در واقع کلماتی هستند که به خودی خود معنا ندارند و در جمله معنی خواهند داد.",
    "q2b": "کلمات هر خبر را با توجه به اندازه ی پنجره، دوتا دوتا در یک آرایه از کلمات دوتایی که word_lists نام "
           "دارد، قرار می دهیم. ... به کمک تابع sparse.csr_matrix ماتریس را متراکم می کند. با افزایش سایز پنجره، "
           "تعداد امکان مقایسه برای هر کلمه بیشتر خواهد شد و تعداد زوج داده ما نیز بیشتر خواهند شد. ... اما زمان "
           "ران شدن شبکه نیز طولانی تر خواهد شد.",
    "q2c": "به هریک از 2823 نورون ورودی دو نورون میانی متصل است. پس برای هر ورودی ما دو وزن خواهیم داشت. ورن "
           "نخست مربوط به x و وزن دوم مربوط به y خواهد بود.",
    "q2d": "در اینجا همچنان میزان خطا بالاست و تا بهینگی فاصله هست اما یک سری دسته بندی ها نیز شکل گرفته است. "
           "کلمات economy و energy و oil و gas و nuclear نیز در دسته انرژی و سوخت تشخیص داده شده و کنار هم آمده اند. "
           "کلمات big و large و massive تقریبا در نزدیکی هم قرار گرفتند.",
    "q3": "نام آخرین لایه کانولوشن را از قسمت summary بدست می آوریم ... طبق مراخل الگوریتم اسلاید پیش می رویم و "
          "مراحل محاسبه گرادیان ... را انجام می دهیم. برای تعدادی از این عکس های شبکه نتوانسته تشخیص خوبی را "
          "داشته باشد. به طور مثال عکس ۹ و یا ۰ را خوب تشخیص نداده اما ۳ و یا ۵ رو نماد های خوبی برای تشخیص ... "
          "پیدا کرده است.",
}

# By hand, as a DataFrame with shapes written as text; the SimpleRNN counted as a Dense layer on
# its input (no recurrent weights): one wrong cell.
HAND_Q1 = '''import pandas as pd

def conv(n_in, k, filters):
    return (k * k * n_in + 1) * filters

def dense(n_in, units):
    return (n_in + 1) * units

rows = [
    (1, "conv", "24x24x64", conv(1, 7, 64)), (2, "pool", "12x12x64", 0),
    (3, "conv", "8x8x128", conv(64, 5, 128)), (4, "pool", "4x4x128", 0),
    (5, "conv", "2x2x256", conv(128, 3, 256)), (6, "pool", "1x1x256", 0),
    (7, "flatten", "256", 0), (8, "dense", "128", dense(256, 128)),
    (9, "embedding", "100x256", 1000 * 256), (10, "rnn", "128", dense(256, 128)),
    (11, "dense", "128", dense(128, 128)), (12, "concat", "256", 0),
    (13, "dense", "128", dense(256, 128)), (14, "dense", "1000", dense(128, 1000)),
]
q1_table = pd.DataFrame(rows, columns=["Layer", "Type", "Output", "Params"])'''

# The pairs deduplicated through a set (order and repeated pairs lost), one plot where two are asked
# for, and Grad-CAM weighted by the softmax probability's gradient instead of the logit's.
SLIPS = {
    "q1_table": HAND_Q1,
    "context_pairs": ANSWERS["context_pairs"].replace("    return pairs", "    return sorted(set(map(tuple, pairs)))"),
    "q2d_run": ANSWERS["q2d_run"].replace("plt.scatter(vectors[:, 0], vectors[:, 1])\n", "").replace(
        "for w, (a, b) in zip(vocab, vectors):\n    plt.annotate(w, (a, b))\nplt.show()", ""),
    "grad_cam": ANSWERS["grad_cam"].replace("score = logits[:, int(class_index)]",
                                            "score = tf.nn.softmax(logits)[:, int(class_index)]"),
}

STUDENTS = {
    # id: (name_fa, name_en, answers, essays)
    "s-hw11-a": ("سپیده کاظمی", "Sepideh Kazemi", {"q1_table": REAL_Q1}, REAL_ESSAYS),
    "s-hw11-b": ("امید شریفی", "Omid Sharifi", ANSWERS, ESSAYS),
    "s-hw11-c": ("رها توکلی", "Raha Tavakoli", {"q1_table": "# TODO: the table"}, {}),  # stub deleted
    "s-hw11-d": ("نیما فرهادی", "Nima Farhadi", SLIPS, {"q2c": ESSAYS["q2c"]}),
}
