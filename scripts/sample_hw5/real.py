"""The student whose answers are the source document (002): their numbers as written, their words in excerpts.

In the memory/parameter table a "-" (no learnable parameters) is written as 0, and "32 × 32 × 10"
as the product it names; every other value is the student's own. Question 4's answer has the
Keras code but no counts: the table is read from their model with Keras, their freezing code
as written gives the frozen count.
"""

CONV = '''import numpy as np

# the output matrix worked out cell by cell on the padded input
q1e_output = np.array([[2, -1, -6],
                       [4, -3, -5],
                       [1, -2, -4]])'''

TABLE = '''q2e_table = [
    [1, "input", "32x32x1", 32 * 32 * 1, 0],
    [2, "conv5-10", "32x32x10", 32 * 32 * 10, (5 * 5 * 1 + 1) * 10],      # 260
    [3, "pool2", "16x16x10", 16 * 16 * 10, 0],
    [4, "conv5-10", "16x16x10", 16 * 16 * 10, (5 * 5 * 10 + 1) * 10],     # 2510
    [5, "pool2", "8x8x10", 8 * 8 * 10, 0],
    [6, "fc-10", "10", 10, 640 * 10 + 10],                                 # 6410
]'''

KERAS = '''from keras.models import Sequential
from keras.layers import Conv2D, Flatten, Dense
from keras.layers import MaxPooling2D
model = Sequential()
model.add(Conv2D(32, kernel_size=(4, 4), input_shape=(32, 32, 3), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Conv2D(32, kernel_size=(4, 4), input_shape=(32, 32, 3), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Flatten())
model.add(Dense(256, activation='relu'))
model.add(Dense(5, activation='softmax'))
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])

names = ["conv2d", "maxpooling2d", "conv2d", "maxpooling2d", "flatten", "dense", "dense"]
q4_table = [[i, name, tuple(layer.output.shape[1:]), layer.count_params()]
            for i, (name, layer) in enumerate(zip(names, model.layers), start=1)]'''

FROZEN = '''previous_model = model
new_model = Sequential()
for layer in previous_model.layers[:5]:
    layer.trainable = False
    new_model.add(layer)

new_model.add(Dense(128, activation='relu'))
new_model.add(Dense(10, activation='softmax'))
new_model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
q4_frozen = sum(int(w.numpy().size) for w in new_model.non_trainable_weights)'''

# the validation accuracies of the two trainings as the document's Keras logs print them
RUNS = '''q4_runs = {
    "first": [0.6202, 0.6688, 0.6874, 0.7110, 0.7038, 0.7250, 0.7166, 0.7488, 0.7540, 0.7448],
    "second": [0.7824, 0.7904, 0.7978, 0.8062, 0.8122, 0.8176, 0.8176, 0.8252, 0.8264, 0.8234],
}'''

ANSWERS = {"q1e_output": CONV, "q2e_table": TABLE, "q4_table": KERAS, "q4_frozen": FROZEN,
           "q3a_fc1_in": "q3a_fc1_in = 64 * 4 * 4   # as the document's fc1 = nn.Linear(64 * 4 * 4, 128)",
           "q4_runs": RUNS}

ESSAYS = {
    "q1a": "شبکه های CNN به طور ذاتی در Translation Invariance خوب هستند و فیلترها بر روی ورودی حرکت می کنند ... "
           "لایه های Pooling ابعاد فضای ویژگی را کاهش می دهند ... برای تغییر نکردن این شبکه نسبت به view "
           "می توانیم از تکنیک هایی مانند چرخش، مقیاس بندی، برعکس کردن و برش تصادفی استفاده کنیم.",
    "q1b": "1. تعداد فیلترها 2. اندازه فیلتر 3. Stride 4. Padding (Same و Valid) 5. Dilation "
           "6. عمق ورودی (کانال ها) 7. تابع فعال ساز 8. مقداردهی اولیه وزن ها",
    "q1c": "1. کاهش ابعاد feature map و مصرف حافظه کمتر 2. جلوگیری از Overfitting 3. کاهش پیچیدگی محاسباتی",
    "q1d": "1. از دست دادن اطلاعات مکانی برای مکان یابی اشیاء و تقسیم بندی معنایی "
           "2. عدم توانایی در تشخیص ویژگی های ترکیبی، چون فقط بالاترین مقدار انتخاب می شود.",
    "q2a": "تعادل بین کارایی محاسباتی و عملکرد مدل؛ حفظ جزئیات ظریف مانند حکاکی ها و بافت ها؛ "
           "محدودیت های سخت افزاری (حدود ۵۰۰۰ تصویر)؛ رزولوشن ورودی مدل های pretrained مانند ResNet.",
    "q2b": "70 درصد برای train و 15 درصد برای validation و 15 درصد دیگر را برای تست در نظر میگیریم.",
    "q2c": "این مشکل نوعی Data Leakage است و عدم نمایندگی مجموعه داده ها ... باید اطمینان حاصل کنیم که تصاویر روز و شب "
           "در تمام تقسیم بندی ها وجود دارند ... کاهش روشنایی و افزودن افکت های شبانه مصنوعی.",
    "q2d": "Data Augmentation گسترش مصنوعی حجم و تنوع دیتاست بدون تغییر برچسب هاست: "
           "1- چرخاندن، چرخش، zoom و برش 2- تغییر روشنایی، کنتراست و رنگ 3- تزریق نویز Gaussian و salt-and-pepper.",
    "q3a": "RandomHorizontalFlip(p=0.5) و RandomCrop(32, padding=4) ... CrossEntropyLoss و SGD با نرخ 0.001 و momentum 0.9 "
           "... Accuracy: 0.821600 ... در مدل بعدی از 3 لایه dropout استفاده شده است.",
    "q3b": "conv1 با 32 فیلتر 3 در 3 و پدینگ 1، conv2 با 64 فیلتر، MaxPool2d، fc1 با ورودی 14 * 14 * 64 و Dropout 0.5 "
           "... Accuracy: 0.975000 و F1 score: 0.974991",
    "q4": "5 لایه اول مدل قبلی freeze شده ... Dense(128) و Dense(10) با softmax ... "
          "Time taken for first training: 0:04:29 و Time taken for final training: 0:01:36",
}
