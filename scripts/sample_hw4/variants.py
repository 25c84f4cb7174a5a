"""The hw4 sample students (see make_sample_class.py); ids and names are made up.

s-hw4-a is the real answer document (shared/assignments/000_44aacfe31d4b3a7b.txt) as
written: its table ignores the dilation in every output size and counts one bias twice in
layer 2; its shapes are its H×W with the channels its own computations give each layer.
The document does not show forward_batchnorm.py, so that cell keeps the template's stub.
"""
from sample_hw4.correct import ANSWERS, ESSAYS

REAL_TABLE = '''q5_table = [
    [1, "Conv(64, (3,3), stride=1, padding='same')", (256, 256, 64), 1792],
    [2, "Dilated-Conv(32, (5,5), stride=2, dilation rate=2, padding='valid')", (126, 126, 32), 51264],
    [3, "Max-pool (size=(2,2), stride=2)", (63, 63, 32), 0],
    [4, "Conv(128, (3,3), stride=1, padding='same')", (63, 63, 128), 36992],
    [5, "Dilated-Conv(64, (5,5), stride=2, dilation rate=4, padding='valid')", (30, 30, 64), 204864],
    [6, "Max-pool (size=(2,2), stride=2)", (15, 15, 64), 0],
    [7, "Conv(128, (3,3), stride=1, padding='same')", (15, 15, 256), 147712],
    [8, "Dilated-Conv(64, (5,5), stride=2, dilation rate=4, padding='valid')", (6, 6, 128), 819328],
    [9, "Max-pool (size=(2,2), stride=2)", (3, 3, 128), 0],
    ["total", "", None, 1261952],
]'''

REAL = {
    "q5_table": REAL_TABLE,
    "q6_statements": 'q6_statements = [\n    ["s1", False],\n    ["s2", True],\n]',
    # 200 = 20x10 weights, 20 biases, 2 batch-norm parameters, 222 in all
    "q6_params": 'q6_params = {"dense": 200 + 20, "batchnorm": 2, "total": 222}',
}

REAL_ESSAYS = {
    "q1a": "Keras Tuner یک ابزار است که برای جستجوی بهینه ترین پارامترهای مدلهای عصبی از جمله نوع لایهها، اندازه لایهها، "
           "نرخ یادگیری، و سایر پارامترهای مربوط به شبکههای عصبی استفاده می شود. … RandomSearch، Hyperband، Bayesian Optimization",
    "q1b": "این دیتاست شامل 70,000 تصویر دستنوشته از ارقام 0 تا 9 است که در 2 دسته آموزش (60.000 عدد) و آزمون (10.000 عدد) "
           "قرار دارند. هر تصویر در این دیتاست، دارای ابعاد 28 × 28 پیکسل است.",
    "q1c": "این مدل دو لایه کانولوشنی و دو مکس پولینگ و 5 لایه فولی کانکتد دارد. … فیلتر ها همگی 3در 3 هستند. "
           "Trial 5 Complete: val_accuracy: 0.9915",
    "q2": "VGG: train accuracy 0.889, test accuracy 0.862, time 510 s, 17926338 parameters; "
          "ResNet: train accuracy 0.711, test accuracy 0.695, time 896 s, 36433154 parameters.",
    "q3": "مشکل اصلی این کد نوع استفاده از دیتا و عدم پیش پردازش روی آن است. … برای حل مشکل باید داده ها نرمال سازی شوند "
          "تا بتوان بهینه سازی تابع هزینه را درست انجام داد. scaler = MinMaxScaler()",
    "q4a": "شبکههای همگشتی مناسب برای تصویر و شناسایی الگوها … شبکههای بازگشتی مناسب برای دادههای دنبالهای و زمانی.",
    "q4b": "تعداد پارامترها=(تعداد وروديها×تعداد واحدها)+(تعداد واحدها×تعداد واحدها)+(تعداد واحدها) … "
           "RNNsدر زمان آموزش و پیشبینی قابلیت موازی سازی محدود تری دارند.",
    "q5b": "output size = (input size − f + 2 × padding)/stride + 1؛ اگر stride = 1 باشد padding = (f − 1)/2.",
    "q6a": "3. درست نیست. Batch Normalization … اصولا ربطی به نزدیک به صفر کردن داده ها ندارد.",
    "q6c": "این ابرپارامتر اضافه شده تا در حالتی که یک فیچر در تمام داده ها مقدار یکسانی دارد و واریانس صفر میشود "
           "به واریانس مقداری بزرگتر از صفر بدهد.",
    "q6d": "در این حالت واریانس و میانگین تقریبا بی معناست. … عدم پایداری آموزش.",
    "q7": "با کمک این روش میتوان نقشه حرارتی برای خروجی لایه رسم کرد و با آن فهمید کدام بخش از تصویر باعث شده است "
          "تا شبکه کلاس مربوط به آن تشخیص داده شود.",
}

# eps outside the square root (wrong in both modes), the moving statistics counted as
# trainable, and the table as a DataFrame with text cells
PARTLY_WRONG = {
    "q5_table": ANSWERS["q5_table"] + '''
import pandas as pd
q5_table = pd.DataFrame(q5_table, columns=["Layer", "Type", "Output", "Params"])
q5_table["Output"] = q5_table["Output"].map(lambda s: "x".join(map(str, s)) if s else "-")
q5_table["Params"] = q5_table["Params"].map("{:,}".format)''',
    "q6_statements": 'q6_statements = [["s1", "False"], ["s2", "true"]]',
    "forward_batchnorm": ANSWERS["forward_batchnorm"].replace("np.sqrt(var + eps)", "(np.sqrt(var) + eps)"),
    "q6_params": 'q6_params = {"dense": 220, "batchnorm": 80, "trainable": 300, "non_trainable": 0, "total": 300}',
    # the search kept, the ablation trained for one epoch each (too short a curve), and the map
    # normalised by its maximum as in Keras's Grad-CAM example (the question asks for the raw map)
    "q1c_model": ANSWERS["q1c_model"],
    "q1c_ablation": ANSWERS["q1c_ablation"].replace("**kw)[1]", "epochs=1, **kw)[1]"),
    "grad_cam": ANSWERS["grad_cam"].replace("    return cam.numpy()", "    return (cam / tf.reduce_max(cam)).numpy()"),
}

MISSING = {"q6_statements": ANSWERS["q6_statements"]}

STUDENTS = {
    # id: (name_fa, name_en, answers, essays)
    "s-hw4-a": ("سارا کاظمی", "Sara Kazemi", REAL, REAL_ESSAYS),
    "s-hw4-b": ("امید فرهادی", "Omid Farhadi", ANSWERS, ESSAYS),
    "s-hw4-c": ("نیما شریفی", "Nima Sharifi", MISSING, {}),
    "s-hw4-d": ("الهام رستمی", "Elham Rostami", PARTLY_WRONG, {"q6c": ESSAYS["q6c"]}),
}
