"""The app's one translation catalogue: English and Russian.

Every user-facing string goes through ``t(key, **values)``. Keys are grouped
by page; a test walks every key and checks both languages are present and
take the same ``{placeholders}``.
"""

from __future__ import annotations

LANGUAGES = {"en": "English", "ru": "Русский"}
DEFAULT_LANGUAGE = "en"

CATALOGUE: dict[str, dict[str, str]] = {
    # --- shared: sidebar, models, errors -----------------------------------
    "app.title": {"en": "Backprop Lab", "ru": "Backprop Lab"},
    "app.tagline": {
        "en": "See how a neural network learns: the maths with real numbers, live training on MNIST, and a canvas to test it.",
        "ru": "Как учится нейронная сеть: математика на живых числах, обучение на MNIST в реальном времени и холст, чтобы её проверить.",
    },
    "lang.label": {"en": "Language", "ru": "Язык"},
    "nav.home": {"en": "Home", "ru": "Главная"},
    "nav.maths": {"en": "Maths walkthrough", "ru": "Математика шаг за шагом"},
    "nav.train": {"en": "Train", "ru": "Обучение"},
    "nav.draw": {"en": "Draw", "ru": "Рисование"},
    "model.active": {"en": "Active model", "ru": "Активная модель"},
    "model.default": {"en": "Bundled model", "ru": "Встроенная модель"},
    "model.trained": {"en": "Trained in this lab", "ru": "Обучена в этой лаборатории"},
    "model.trained_run": {"en": "Run {n}, trained in this lab", "ru": "Запуск {n}, обучена в этой лаборатории"},
    "model.decimal_point": {"en": ".", "ru": ","},
    # an unfinished run that is the active model, under its name in the sidebar
    "model.run_training": {
        "en": "Training on the server: {done} of {total} epochs done ({pct}).",
        "ru": "Обучается на сервере: готово эпох {done} из {total} ({pct}).",
    },
    "model.run_paused": {
        "en": "Unfinished: {done} of {total} epochs, paused. Resume it on the Train page.",
        "ru": "Не доучена: эпох {done} из {total}, на паузе. Продолжить можно на странице «Обучение».",
    },
    "model.chart_separators": {"en": ".,", "ru": ",\u00a0"},  # Plotly: decimal point, then thousands separator
    "model.uploaded": {"en": "Uploaded model", "ru": "Загруженная модель"},
    # --- the lab: where a visitor's work is kept ------------------------------
    "lab.link_help": {
        "en": "Your work (runs, uploads, lessons) is kept in your lab on this server. This page's address is its link: bookmark it to come back, and share it only with people who may see and change your work.",
        "ru": "Ваша работа (запуски, загрузки, уроки) хранится в вашей лаборатории на этом сервере. Адрес этой страницы — её ссылка: добавьте его в закладки, чтобы вернуться, и давайте только тем, кому можно видеть и менять вашу работу.",
    },
    "lab.notice_unknown": {
        "en": "That lab link opens no lab: it is mistyped, or the lab was removed after a week unused. This is a new, empty lab; its link is now in the address bar.",
        "ru": "По этой ссылке лаборатории нет: в ссылке ошибка, или лабораторию удалили после недели без использования. Это новая пустая лаборатория; её ссылка теперь в адресной строке.",
    },
    "lab.notice_expired": {
        "en": "Your lab was removed after a long time unused. This is a new, empty lab; its link is now in the address bar.",
        "ru": "Вашу лабораторию удалили после долгого перерыва. Это новая пустая лаборатория; её ссылка теперь в адресной строке.",
    },
    "lab.problem_corrupt": {
        "en": "The server's lab store is damaged, so your work is kept only until the server restarts. Download models you want to keep.",
        "ru": "Хранилище лабораторий на сервере повреждено, поэтому работа сохранится только до перезапуска сервера. Скачайте модели, которые хотите сохранить.",
    },
    "lab.problem_disk_full": {
        "en": "The server's disk is full, so your work is kept only until the server restarts. Download models you want to keep.",
        "ru": "Диск сервера заполнен, поэтому работа сохранится только до перезапуска сервера. Скачайте модели, которые хотите сохранить.",
    },
    "lab.problem_unavailable": {
        "en": "The server cannot write its lab store, so your work is kept only until the server restarts. Download models you want to keep.",
        "ru": "Сервер не может записать хранилище лабораторий, поэтому работа сохранится только до перезапуска сервера. Скачайте модели, которые хотите сохранить.",
    },
    "lab.quota_runs": {
        "en": "This lab holds as many runs as it may. Open the app without a lab link to start a new lab.",
        "ru": "В этой лаборатории уже максимум запусков. Откройте приложение без ссылки на лабораторию, чтобы начать новую.",
    },
    "lab.quota_bytes": {
        "en": "This lab is full (its runs and uploads take all the room it has). Open the app without a lab link to start a new lab.",
        "ru": "Лаборатория заполнена (запуски и загрузки заняли всё место). Откройте приложение без ссылки на лабораторию, чтобы начать новую.",
    },
    "lab.quota_uploads": {
        "en": "This lab holds as many uploads as it may.",
        "ru": "В этой лаборатории уже максимум загрузок.",
    },
    "model.summary": {
        "en": "784-{hidden}-10, {optimizer}, epochs: {epochs}, test accuracy {acc}",
        "ru": "784-{hidden}-10, {optimizer}, эпох: {epochs}, точность на тесте {acc}",
    },
    "model.summary_short": {"en": "784-{hidden}-10", "ru": "784-{hidden}-10"},
    "error.dataset": {
        "en": "The MNIST file could not be loaded: {reason}. Reinstall the app or check mlp_core/assets/mnist.npz.",
        "ru": "Не удалось загрузить файл MNIST: {reason}. Переустановите приложение или проверьте mlp_core/assets/mnist.npz.",
    },
    # --- home page ---------------------------------------------------------
    "home.network": {"en": "The network", "ru": "Сеть"},
    "home.network_text": {
        "en": "A 28×28 digit becomes 784 numbers x. A hidden layer computes z = W_h x and h = ReLU(z); "
        "the output layer gives θ = W_o h and softmax turns θ into ten probabilities ŷ. "
        "Training lowers the cross-entropy E by backpropagation: the same two-layer network as in the original notebook, "
        "which reaches 97.97% on the MNIST test set.",
        "ru": "Цифра 28×28 превращается в 784 числа x. Скрытый слой считает z = W_h x и h = ReLU(z); "
        "выходной слой даёт θ = W_o h, а softmax превращает θ в десять вероятностей ŷ. "
        "Обучение уменьшает кросс-энтропию E методом обратного распространения ошибки: та же двухслойная сеть, что в исходном ноутбуке, "
        "с точностью 97,97% на тестовой выборке MNIST.",
    },
    "home.pages": {"en": "Where to go", "ru": "Куда дальше"},
    "home.maths_text": {
        "en": "The derivation step by step, then every formula evaluated on a real digit.",
        "ru": "Вывод формул шаг за шагом и каждая формула, посчитанная на настоящей цифре.",
    },
    "home.train_text": {
        "en": "Train the network on MNIST and watch loss and accuracy move live.",
        "ru": "Обучите сеть на MNIST и смотрите, как меняются ошибка и точность.",
    },
    "home.draw_text": {
        "en": "Draw a digit and see how the network reads it, stage by stage.",
        "ru": "Нарисуйте цифру и посмотрите, как сеть её распознаёт, шаг за шагом.",
    },
    "home.data_credit": {
        "en": "MNIST by Y. LeCun, C. Cortes and C. J. C. Burges, CC BY-SA 3.0.",
        "ru": "MNIST: Я. Лекун, К. Кортес, К. Бёрджес, CC BY-SA 3.0.",
    },
    # --- maths page ----------------------------------------------------------
    "maths.intro": {
        "en": "The derivation of backpropagation from the original notebook, step by step, and the same formulas evaluated on a real digit with the active model. The tiny network lets you check every number by hand.",
        "ru": "Вывод обратного распространения ошибки из исходного ноутбука шаг за шагом — и те же формулы, посчитанные на настоящей цифре активной моделью. На маленькой сети каждое число можно проверить вручную.",
    },
    "maths.view": {"en": "Show", "ru": "Показать"},
    "maths.view_derivation": {"en": "Derivation", "ru": "Вывод формул"},
    "maths.view_live": {"en": "On a real digit", "ru": "На цифре"},
    "maths.view_tiny": {"en": "Tiny network", "ru": "Мини-сеть"},
    "maths.d1_title": {"en": "1. The network", "ru": "1. Сеть"},
    "maths.d1_text": {
        "en": "A digit is a column x of 784 pixel values. The hidden layer multiplies it by Wₕ, and ReLU switches off the negative values; the output layer multiplies by Wₒ, and softmax turns the ten scores θ into probabilities ŷ. The error E is the cross-entropy between ŷ and the answer y, one-hot: 1 for the true digit, 0 for the others. The notebook's network has no biases.",
        "ru": "Цифра — это столбец x из 784 значений пикселей. Скрытый слой умножает его на Wₕ, а ReLU обнуляет отрицательные значения; выходной слой умножает на Wₒ, и softmax превращает десять оценок θ в вероятности ŷ. Ошибка E — кросс-энтропия между ŷ и правильным ответом y в one-hot кодировке: 1 у верной цифры, 0 у остальных. В сети из ноутбука смещений нет.",
    },
    "maths.biases_note": {
        "en": "The active model also has biases bₕ and bₒ. They are added to z and θ, and their gradients are the deltas themselves:",
        "ru": "У активной модели есть ещё смещения bₕ и bₒ. Они прибавляются к z и θ, а их градиенты — сами дельты:",
    },
    "maths.d2_title": {"en": "2. The chain rule", "ru": "2. Производная сложной функции"},
    "maths.d2_text": {
        "en": "Training needs the derivative of E with respect to every weight. E depends on Wₒ only through θ and ŷ, so the chain rule splits the derivative into factors that can be computed one at a time:",
        "ru": "Для обучения нужна производная E по каждому весу. E зависит от Wₒ только через θ и ŷ, поэтому по правилу дифференцирования сложной функции (chain rule) производная распадается на множители, которые считаются по очереди:",
    },
    "maths.d3_title": {"en": "3. Two helper deltas", "ru": "3. Вспомогательные дельты"},
    "maths.d3_text": {
        "en": "The same products of factors come up again and again, so they get names: δ₁ says how the error changes with the output scores θ, δ₂ how it changes with the hidden layer's inputs z. Deltas are row vectors: the derivative of a number by a column.",
        "ru": "Одни и те же произведения множителей встречаются снова и снова, поэтому дадим им имена: δ₁ показывает, как ошибка меняется вместе с выходными оценками θ, δ₂ — вместе со входами скрытого слоя z. Дельты — векторы-строки: производная числа по столбцу.",
    },
    "maths.d4_title": {
        "en": "4. Why softmax with cross-entropy gives ŷ − y",
        "ru": "4. Почему softmax с кросс-энтропией даёт ŷ − y",
    },
    "maths.d4_text": {
        "en": "Write out the logarithm of softmax and use the fact that the entries of y add up to 1: the normalising sum no longer depends on y, and the derivative by each score θᵢ takes one line.",
        "ru": "Распишем логарифм softmax и воспользуемся тем, что компоненты y в сумме дают 1: нормирующая сумма перестаёт зависеть от y, и производная по каждой оценке θᵢ берётся в одну строку.",
    },
    "maths.d4_after": {
        "en": "So δ₁ is simply “predicted minus true”: negative for the true digit (its score should go up), positive for the others (theirs should go down), and close to zero when the network is already right and sure.",
        "ru": "Итак, δ₁ — это просто «предсказание минус правильный ответ»: у верной цифры она отрицательна (её оценку надо поднять), у остальных положительна (их надо опустить) и близка к нулю, когда сеть уже уверенно права.",
    },
    "maths.d5_title": {"en": "5. Back through the hidden layer: δ₂", "ru": "5. Назад через скрытый слой: δ₂"},
    "maths.d5_text": {
        "en": "θ = Wₒ h, so ∂θ/∂h = Wₒ. ReLU passes the derivative on (a factor of 1) where z > 0 and stops it (a factor of 0) where it switched the unit off. Multiplying elementwise (∘) by ReLU′(z) is the same as by sgn(h), which is how the notebook's code writes it.",
        "ru": "θ = Wₒ h, поэтому ∂θ/∂h = Wₒ. ReLU пропускает производную дальше (множитель 1) там, где z > 0, и обрывает её (множитель 0) там, где нейрон выключен. Поэлементное умножение (∘) на ReLU′(z) — то же самое, что на sgn(h): так и написано в коде ноутбука.",
    },
    "maths.d6_title": {"en": "6. The gradients", "ru": "6. Градиенты"},
    "maths.d6_text": {
        "en": "θ is linear in Wₒ and z is linear in Wₕ, so the last factor just brings in the layer's input: each gradient is the outer product of a delta (as a column) and the input of its layer (as a row). Entry by entry:",
        "ru": "θ линейно зависит от Wₒ, а z — от Wₕ, поэтому последний множитель просто подставляет вход слоя: каждый градиент — внешнее произведение дельты (столбец) на вход своего слоя (строка). Поэлементно:",
    },
    "maths.d7_title": {"en": "7. One step of gradient descent", "ru": "7. Шаг градиентного спуска"},
    "maths.d7_text": {
        "en": "Every weight moves a little against its gradient; η is the learning rate (`learning_rate` in the notebook, 0.5).",
        "ru": "Каждый вес немного сдвигается против своего градиента; η — скорость обучения (`learning_rate` в ноутбуке, 0.5).",
    },
    "maths.d8_title": {"en": "8. Shapes", "ru": "8. Размерности"},
    "maths.d8_text": {
        "en": "For one example and H hidden units (the active model has H = {hidden}). Every gradient has the shape of its weight matrix: a quick check of any derivation.",
        "ru": "Для одного примера и H скрытых нейронов (у активной модели H = {hidden}). Каждый градиент имеет ту же форму, что и его матрица весов: быстрая проверка любого вывода.",
    },
    "maths.col_quantity": {"en": "Quantity", "ru": "Величина"},
    "maths.col_maths": {"en": "Maths, one example", "ru": "Формулы, один пример"},
    "maths.col_code": {"en": "Code, a batch of N", "ru": "Код, батч из N"},
    "maths.d9_title": {
        "en": "9. From column vectors to the batch code",
        "ru": "9. От векторов-столбцов к коду с батчами",
    },
    "maths.d9_text": {
        "en": "The code takes N examples at once, each as a row of x (N × 784), and stores the weights transposed: in the code `W_h` is (784, H) and `W_o` is (H, 10). Transposing each formula gives the code line by line:",
        "ru": "Код обрабатывает сразу N примеров, каждый — строка матрицы x (N × 784), и хранит веса транспонированными: в коде `W_h` имеет размер (784, H), а `W_o` — (H, 10). Транспонируем каждую формулу и получаем код строка за строкой:",
    },
    "maths.d9_after": {
        "en": "With N rows, `h.T @ delta_1` adds up the gradients of the N examples. The notebook sums the loss over the batch and divides the gradients by the batch size, so each step follows the average gradient and the learning rate does not depend on the batch size.",
        "ru": "Когда строк N, `h.T @ delta_1` складывает градиенты всех N примеров. Ноутбук суммирует ошибку по батчу и делит градиенты на размер батча, так что шаг делается по среднему градиенту, и скорость обучения не зависит от размера батча.",
    },
    "maths.model_line": {
        "en": "Model: {model}. Everything is computed in float64 on a copy, so nothing here changes the model.",
        "ru": "Модель: {model}. Всё считается в float64 на копии, так что здесь модель не меняется.",
    },
    "maths.source": {"en": "Walk through", "ru": "Что разбираем"},
    "maths.source_test": {"en": "A test digit", "ru": "Цифру из тестовой выборки"},
    "maths.source_drawing": {"en": "My last drawing", "ru": "Мой последний рисунок"},
    "maths.index": {"en": "Test digit number", "ru": "Номер цифры в тестовой выборке"},
    "maths.random": {"en": "Random digit", "ru": "Случайная цифра"},
    "maths.wrong": {"en": "A digit it gets wrong", "ru": "Где сеть ошибается"},
    "maths.no_drawing": {
        "en": "Draw a digit on the Draw page to walk through your own.",
        "ru": "Нарисуйте цифру на странице «Рисование», чтобы разобрать свою.",
    },
    "maths.drawing_label": {"en": "Which digit did you draw?", "ru": "Какую цифру вы нарисовали?"},
    "maths.forward_header": {"en": "Forward pass", "ru": "Прямой проход"},
    "maths.x_caption": {
        "en": "x: the 28×28 image as 784 numbers from 0 to 1",
        "ru": "x: картинка 28×28 — это 784 числа от 0 до 1",
    },
    "maths.true_label": {"en": "True digit", "ru": "Верная цифра"},
    "maths.predicted": {"en": "Network says", "ru": "Ответ сети"},
    "maths.loss": {"en": "Error E", "ru": "Ошибка E"},
    "maths.relu_off": {"en": "Switched off by ReLU", "ru": "Выключено ReLU"},
    "maths.relu_off_value": {"en": "{off} of {hidden}", "ru": "{off} из {hidden}"},
    "maths.z_caption": {
        "en": "{z} for each of the {hidden} hidden units. Grey bars are z ≤ 0: ReLU makes h = 0 there. Blue bars pass unchanged: h = z.",
        "ru": "{z} для каждого из {hidden} скрытых нейронов. Серые столбики — z ≤ 0: там ReLU даёт h = 0. Синие проходят без изменений: h = z.",
    },
    "maths.theta_caption": {"en": "{theta}: one score per digit", "ru": "{theta}: по одной оценке на цифру"},
    "maths.yhat_caption": {
        "en": "ŷ = softmax(θ): the probabilities, the true digit in orange",
        "ru": "ŷ = softmax(θ): вероятности, верная цифра — оранжевым",
    },
    "maths.backward_header": {"en": "Backward pass", "ru": "Обратный проход"},
    "maths.col_class": {"en": "digit", "ru": "цифра"},
    "maths.col_unit": {"en": "hidden unit", "ru": "скрытый нейрон"},
    "maths.table_caption": {
        "en": "For each digit: the score θ, the probability ŷ, the answer y and δ₁ = ŷ − y, negative only for the true digit.",
        "ru": "Для каждой цифры: оценка θ, вероятность ŷ, ответ y и δ₁ = ŷ − y — отрицательная только у верной цифры.",
    },
    "maths.delta2_caption": {
        "en": "δ₂ = δ₁ Wₒ ∘ ReLU′(z), one value per hidden unit: exactly 0 for the {off} units ReLU switched off, because the error does not flow back through them.",
        "ru": "δ₂ = δ₁ Wₒ ∘ ReLU′(z), по значению на скрытый нейрон: ровно 0 у {off} нейронов, выключенных ReLU, — через них ошибка назад не проходит.",
    },
    "maths.numbers_expander": {"en": "Every number of the hidden layer", "ru": "Все числа скрытого слоя"},
    "maths.dwo_caption": {
        "en": "∂E/∂Wₒ = δ₁ᵀ hᵀ, 10 × {hidden}: row k is h times δ₁ₖ, so the columns of switched-off units are zero. Red: a positive gradient, the step will lower the weight; blue: negative, the step will raise it.",
        "ru": "∂E/∂Wₒ = δ₁ᵀ hᵀ, 10 × {hidden}: строка k — это h, умноженный на δ₁ₖ, поэтому столбцы выключенных нейронов нулевые. Красное: градиент положителен, шаг уменьшит вес; синее: отрицателен, шаг увеличит вес.",
    },
    "maths.dwh_caption": {
        "en": "∂E/∂Wₕ = δ₂ᵀ xᵀ, {hidden} × 784: row j is the digit itself times δ₂ⱼ. Below are the rows of the {n} units with the largest |δ₂|, as 28×28 images: only pixels with ink get a gradient.",
        "ru": "∂E/∂Wₕ = δ₂ᵀ xᵀ, {hidden} × 784: строка j — сама цифра, умноженная на δ₂ⱼ. Ниже строки {n} нейронов с наибольшим |δ₂| в виде картинок 28×28: градиент получают только закрашенные пиксели.",
    },
    "maths.unit_title": {"en": "unit {unit}: δ₂ = {value}", "ru": "нейрон {unit}: δ₂ = {value}"},
    "maths.check_header": {"en": "Gradient check", "ru": "Проверка градиента"},
    "maths.check_text": {
        "en": "Is backpropagation right? Nudge one weight by ±ε, compute E again and compare the slope with the gradient from backpropagation. A few weights of each matrix are drawn among those with a noticeable gradient; in float64 the two numbers should agree to about 8 digits.",
        "ru": "Верно ли работает обратное распространение? Сдвинем один вес на ±ε, заново посчитаем E и сравним наклон с градиентом, полученным обратным распространением. Из каждой матрицы случайно берём несколько весов с заметным градиентом; в float64 два числа должны совпасть примерно в 8 знаках.",
    },
    "maths.col_param": {"en": "weight", "ru": "вес"},
    "maths.col_index": {"en": "entry (row, column)", "ru": "элемент (строка, столбец)"},
    "maths.col_analytic": {"en": "backpropagation a", "ru": "обратное распространение a"},
    "maths.col_numeric": {"en": "finite difference n", "ru": "конечная разность n"},
    "maths.col_rel": {"en": "relative error r", "ru": "относительная ошибка r"},
    "maths.check_ok": {
        "en": "Largest relative error {worst}: backpropagation agrees with the finite differences.",
        "ru": "Наибольшая относительная ошибка {worst}: обратное распространение совпадает с конечными разностями.",
    },
    "maths.check_bad": {
        "en": "Largest relative error {worst}, above 1e-6: the two disagree somewhere.",
        "ru": "Наибольшая относительная ошибка {worst}, больше 1e-6: где-то они расходятся.",
    },
    "maths.check_again": {"en": "Check other weights", "ru": "Проверить другие веса"},
    "maths.check_sure": {
        "en": "Largest relative error {worst}. The network is so sure of this digit (E = {loss}) that ŷ is within a few billionths of 1, and ŷ − y keeps only the last digits of float64: the difference is rounding, not a wrong gradient. Pick a harder digit to see 8 matching digits.",
        "ru": "Наибольшая относительная ошибка {worst}. Сеть настолько уверена в этой цифре (E = {loss}), что ŷ отличается от 1 на миллиардные доли, и в разности ŷ − y остаются только последние знаки float64: расхождение — это округление, а не ошибка в градиенте. Выберите цифру потруднее, и числа совпадут в 8 знаках.",
    },
    "maths.step_header": {
        "en": "One step of gradient descent on this digit",
        "ru": "Один шаг градиентного спуска на этой цифре",
    },
    "maths.step_text": {
        "en": "Both matrices take one step against their gradients, on a copy of the model: the active model stays as it is.",
        "ru": "Обе матрицы делают один шаг против своих градиентов — на копии модели, так что активная модель остаётся прежней.",
    },
    "maths.lr": {"en": "Learning rate η", "ru": "Скорость обучения η"},
    "maths.loss_before": {"en": "E before the step", "ru": "E до шага"},
    "maths.loss_after": {"en": "E after the step", "ru": "E после шага"},
    "maths.p_true": {"en": "Probability of the true digit", "ru": "Вероятность верной цифры"},
    "maths.step_overshoot": {
        "en": "With η = {lr} the step overshoots and the error goes up. Try a smaller learning rate.",
        "ru": "При η = {lr} шаг проскакивает минимум, и ошибка растёт. Попробуйте скорость обучения поменьше.",
    },
    "maths.before": {"en": "before", "ru": "до"},
    "maths.after": {"en": "after", "ru": "после"},
    "maths.after_true": {"en": "after, the true digit {digit}", "ru": "после, верная цифра {digit}"},
    "maths.computing": {
        "en": "Computing the walkthrough and the gradient check…",
        "ru": "Считаем все величины и проверяем градиент…",
    },
    "maths.code_rows": {"en": "row by row", "ru": "по строкам"},
    "maths.tiny_text": {
        "en": "Four inputs, three hidden units, two outputs and round numbers: small enough for a whiteboard. Press the buttons in order (forward pass, backward pass, update), then go round again and watch E fall.",
        "ru": "Четыре входа, три скрытых нейрона, два выхода и круглые числа — всё помещается на доске. Нажимайте кнопки по порядку (прямой проход, обратный проход, обновление весов), потом пройдите круг ещё раз и посмотрите, как падает E.",
    },
    "maths.tiny_forward": {"en": "Forward pass", "ru": "Прямой проход"},
    "maths.tiny_backward": {"en": "Backward pass", "ru": "Обратный проход"},
    "maths.tiny_update": {"en": "Update weights", "ru": "Обновить веса"},
    "maths.tiny_reset": {"en": "Start again", "ru": "Начать заново"},
    "maths.tiny_round": {"en": "Round {n}", "ru": "Круг {n}"},
    "maths.tiny_given": {
        "en": "Given: the input x, the answer y (the first class is right), the weights and the learning rate η.",
        "ru": "Дано: вход x, правильный ответ y (верен первый класс), веса и скорость обучения η.",
    },
    "maths.tiny_relu_note": {
        "en": "Hidden units switched off by ReLU (z ≤ 0): {units}. Their h is 0, and on the way back their δ₂ will be 0 as well.",
        "ru": "Скрытые нейроны, выключенные ReLU (z ≤ 0): {units}. У них h = 0, и на обратном пути δ₂ у них тоже будет 0.",
    },
    "maths.tiny_update_header": {"en": "Weight update", "ru": "Обновление весов"},
    "maths.tiny_next": {
        "en": "Press “Forward pass” to start the next round with the new weights.",
        "ru": "Нажмите «Прямой проход», чтобы начать следующий круг с новыми весами.",
    },
    # --- train page ----------------------------------------------------------
    "train.intro": {
        "en": "Train the notebook's network on MNIST and watch it learn. Pick a preset, change what you like and press Start. The run trains on the server: switch pages, reload, come back later, and it is still here, in your lab.",
        "ru": "Обучите сеть из ноутбука на MNIST и посмотрите, как она учится. Выберите пресет, поменяйте что хотите и нажмите «Старт». Обучение идёт на сервере: можно уйти на другую страницу, перезагрузить её, вернуться позже — запуск останется в вашей лаборатории.",
    },
    "train.preset": {"en": "Preset", "ru": "Пресет"},
    "train.settings": {"en": "Settings: {summary}", "ru": "Настройки: {summary}"},
    "train.settings_out_of_range": {"en": "a value is out of range", "ru": "одно из значений вне допустимого"},
    "train.preset_original": {"en": "Original notebook", "ru": "Исходный ноутбук"},
    "train.preset_fast": {"en": "Fast", "ru": "Быстрый"},
    "train.preset_robust": {"en": "Robust", "ru": "Устойчивый"},
    "train.preset_original_text": {
        "en": "Exactly the original notebook: 784-128-10 without biases, plain SGD with learning rate 0.5, batches of 256, 50 epochs in a fixed order. It reaches 97.97% on the test set; on all 60,000 images that takes a few minutes.",
        "ru": "Ровно как в исходном ноутбуке: сеть 784-128-10 без смещений, обычный SGD со скоростью обучения 0,5, батчи по 256, 50 эпох без перемешивания. Даёт 97,97% на тестовой выборке; на всех 60 000 картинках это занимает несколько минут.",
    },
    "train.preset_fast_text": {
        "en": "The quickest way to the notebook's accuracy with the notebook's own network: Nesterov momentum with a short warm-up and a cosine learning-rate decay, He initialisation, shuffling and float32 arithmetic, 6 epochs.",
        "ru": "Самый быстрый путь к точности ноутбука на той же сети: момент Нестерова с короткой разминкой и косинусным спадом скорости обучения, инициализация He, перемешивание и арифметика float32, 6 эпох.",
    },
    "train.preset_robust_text": {
        "en": "Like Fast, but a wider network trained for longer on randomly shifted, rotated and rescaled digits, so it reads hand-drawn digits better. The slowest of the three.",
        "ru": "Как «Быстрый», но сеть шире и учится дольше — на случайно сдвинутых, повёрнутых и масштабированных цифрах, поэтому лучше читает цифры, нарисованные от руки. Самый медленный из трёх.",
    },
    "train.custom_text": {
        "en": "Custom settings, based on the {preset} preset.",
        "ru": "Свои настройки на основе пресета «{preset}».",
    },
    "train.hidden": {"en": "Hidden units", "ru": "Скрытых нейронов"},
    "train.hidden_help": {
        "en": "H, the width of the hidden layer: W_h is 784×H and W_o is H×10.",
        "ru": "H — ширина скрытого слоя: W_h размером 784×H, W_o — H×10.",
    },
    "train.lr": {"en": "Learning rate", "ru": "Скорость обучения"},
    "train.lr_help": {
        "en": "How far each step moves the weights: W ← W − lr·∂E/∂W. Too large, and training diverges.",
        "ru": "Насколько сильно меняются веса за один шаг: W ← W − lr·∂E/∂W. Слишком большая — и обучение разойдётся.",
    },
    "train.batch_size": {"en": "Batch size", "ru": "Размер батча"},
    "train.epochs": {"en": "Epochs", "ru": "Эпох"},
    "train.optimizer": {"en": "Optimizer", "ru": "Оптимизатор"},
    "train.opt_sgd": {"en": "SGD", "ru": "SGD"},
    "train.opt_momentum": {"en": "SGD with momentum", "ru": "SGD с моментом"},
    "train.opt_adam": {"en": "Adam", "ru": "Adam"},
    "train.init": {"en": "Initialisation", "ru": "Инициализация"},
    "train.init_help": {
        "en": "How the weights start. The notebook's: uniform in ±2/(fan_in + fan_out), seed 42. Xavier and He scale the range to the layer's size.",
        "ru": "С каких значений начинаются веса. Как в ноутбуке: равномерно в ±2/(fan_in + fan_out), seed 42. Xavier и He подбирают разброс по размеру слоя.",
    },
    "train.init_seed_uniform": {"en": "Notebook's uniform", "ru": "Как в ноутбуке"},
    "train.init_xavier": {"en": "Xavier", "ru": "Xavier"},
    "train.init_he": {"en": "He", "ru": "He"},
    "train.l2": {"en": "L2 weight decay", "ru": "L2-регуляризация"},
    "train.l2_help": {
        "en": "Adds l2·W to every weight's gradient, pulling the weights towards zero. The notebook uses 0.",
        "ru": "Добавляет l2·W к градиенту каждого веса и тянет веса к нулю. В ноутбуке 0.",
    },
    "train.seed": {"en": "Random seed", "ru": "Зерно (seed)"},
    "train.n_train": {"en": "Training images", "ru": "Обучающих картинок"},
    "train.n_train_help": {
        "en": "Train on the first N of the {total} training images. 5,000 is more than ten times faster than all of them: good for a demo.",
        "ru": "Учиться на первых N из {total} обучающих картинок. На 5 000 обучение идёт в десять с лишним раз быстрее — удобно для демонстрации.",
    },
    "train.biases": {"en": "Biases", "ru": "Смещения"},
    "train.shuffle": {"en": "Shuffle every epoch", "ru": "Перемешивать каждую эпоху"},
    "train.augment": {"en": "Augmentation", "ru": "Аугментация"},
    "train.augment_help": {
        "en": "Random shifts, rotations, scaling and stroke changes in every batch: slower to learn, better on hand-drawn digits.",
        "ru": "Случайные сдвиги, повороты, масштаб и толщина линий в каждом батче: учится медленнее, зато лучше читает рукописные цифры.",
    },
    "train.preset_extra": {
        "en": "Also from the preset: {schedule} learning rate, {dtype} arithmetic, training accuracy measured {metric}.",
        "ru": "Также из пресета: скорость обучения {schedule}, арифметика {dtype}, точность на обучении считается {metric}.",
    },
    "train.schedule_constant": {"en": "constant", "ru": "постоянная"},
    "train.schedule_cosine": {"en": "cosine-decayed", "ru": "с косинусным спадом"},
    "train.metric_full": {
        "en": "on the whole training set after each epoch",
        "ru": "по всей обучающей выборке после каждой эпохи",
    },
    "train.metric_running": {
        "en": "on the batches as they were trained (no extra pass)",
        "ru": "по батчам по ходу эпохи (без лишнего прохода)",
    },
    "train.momentum_plain": {"en": "Momentum {mu}.", "ru": "Момент {mu}."},
    "train.momentum_nesterov": {"en": "Nesterov momentum {mu}.", "ru": "Момент Нестерова {mu}."},
    "train.bad_settings": {
        "en": "These settings cannot be trained: {reason}.",
        "ru": "С такими настройками обучать нельзя: {reason}.",
    },
    # Start is off while a control is out of the page's range: which one, the range, the typed value
    "train.out_of_range": {
        "en": "Start is off: {field} takes {range}, not {value}.",
        "ru": "«Старт» недоступен: в поле «{field}» нужно {range}, а не {value}.",
    },
    "train.range_whole": {"en": "a whole number from {low} to {high}", "ru": "целое число от {low} до {high}"},
    "train.range_number": {"en": "a number from {low} to {high}", "ru": "число от {low} до {high}"},
    "train.start": {"en": "Start", "ru": "Старт"},
    "train.pause": {"en": "Pause", "ru": "Пауза"},
    "train.resume": {"en": "Resume", "ru": "Продолжить"},
    "train.reset": {"en": "Reset", "ru": "Сбросить"},
    "train.next_run_note": {
        "en": "The settings above differ from the current run's; they take effect when you press Start.",
        "ru": "Настройки выше отличаются от текущего запуска; они вступят в силу после нажатия «Старт».",
    },
    "train.no_run": {
        "en": "Choose a preset or set the controls, then press Start. Loss and accuracy will be drawn here as the network learns.",
        "ru": "Выберите пресет или настройте параметры и нажмите «Старт». Здесь появятся графики ошибки и точности по ходу обучения.",
    },
    "train.diverged": {
        "en": "Training stopped in epoch {epoch}: the loss jumped to {loss}, so the weights were flying apart (the run diverged). The learning rate {lr} is too large for these settings: set it to {suggestion} and press Start again. This run's weights were put back to where they were before the blow-up, but they are barely trained, so the run did not become the active model. Active model now: {model}.",
        "ru": "Обучение остановлено на эпохе {epoch}: ошибка подскочила до {loss}, веса пошли вразнос (обучение разошлось). Скорость обучения {lr} слишком велика для этих настроек: поставьте {suggestion} и снова нажмите «Старт». Веса этого запуска возвращены к состоянию до срыва, но они почти не обучены, поэтому активной моделью запуск не стал. Сейчас активна: {model}.",
    },
    "train.loss_nan": {"en": "not a number (NaN)", "ru": "не число (NaN)"},
    "train.finished": {
        "en": "Run {n} finished: {acc} on the test set after {time} of training.",
        "ru": "Запуск {n} завершён: {acc} на тестовой выборке за {time} обучения.",
    },
    "train.running_note": {
        "en": "Training on the server: it goes on while you visit other pages. Pause keeps every finished batch.",
        "ru": "Идёт обучение на сервере: оно продолжается, пока вы на других страницах. «Пауза» сохраняет все пройденные батчи.",
    },
    "train.paused_idle": {
        "en": "Paused by itself: no page of this lab was open for a while. Resume continues exactly where it stopped.",
        "ru": "Пауза сама собой: страницы этой лаборатории долго не открывали. «Продолжить» продолжит ровно с того же места.",
    },
    "train.confirm_running": {
        "en": "Run {n} is still training ({done} of {epochs} epochs). Start a new run? Run {n} will be paused and stay in the list of runs.",
        "ru": "Запуск {n} ещё обучается (эпох {done} из {epochs}). Начать новый? Запуск {n} встанет на паузу и останется в списке запусков.",
    },
    "train.confirm_paused": {
        "en": "Run {n} is paused after {done} of {epochs} epochs; Resume would finish it. Start a new run instead? Run {n} stays in the list of runs.",
        "ru": "Запуск {n} на паузе после {done} из {epochs} эпох; «Продолжить» доведёт его до конца. Всё равно начать новый? Запуск {n} останется в списке запусков.",
    },
    "train.confirm_yes": {"en": "Start a new run", "ru": "Начать новый запуск"},
    "train.confirm_no": {"en": "Cancel", "ru": "Отмена"},
    "train.paused": {
        "en": "Paused. Resume continues exactly where it stopped.",
        "ru": "Пауза. «Продолжить» продолжит ровно с того же места.",
    },
    "train.progress": {
        "en": "{done} of {epochs} epochs done · {pct} · time left: {left}",
        "ru": "Пройдено эпох: {done} из {epochs} · {pct} · осталось: {left}",
    },
    "train.progress_done": {
        "en": "{done} of {epochs} epochs done",
        "ru": "Пройдено эпох: {done} из {epochs}",
    },
    "train.m_epoch": {"en": "Epoch", "ru": "Эпоха"},
    "train.m_batch_loss": {"en": "Loss of the last batch", "ru": "Ошибка на последнем батче"},
    "train.m_train_acc": {"en": "Train accuracy", "ru": "Точность на обучении"},
    "train.m_test_acc": {"en": "Test accuracy", "ru": "Точность на тесте"},
    "train.m_train_acc_after": {
        "en": "Train accuracy (after epoch {epoch})",
        "ru": "Точность на обучении (после эпохи {epoch})",
    },
    "train.m_test_acc_after": {
        "en": "Test accuracy (after epoch {epoch})",
        "ru": "Точность на тесте (после эпохи {epoch})",
    },
    "train.points": {"en": "{v} pp", "ru": "{v} п.п."},
    "train.train": {"en": "train", "ru": "обучение"},
    "train.test": {"en": "test", "ru": "тест"},
    "train.run_test": {"en": "run {n}, test", "ru": "запуск {n}, тест"},
    "train.chart_loss": {"en": "Loss per epoch", "ru": "Ошибка по эпохам"},
    "train.chart_accuracy": {"en": "Accuracy per epoch", "ru": "Точность по эпохам"},
    "train.chart_batches": {"en": "Loss of recent batches", "ru": "Ошибка на последних батчах"},
    "train.epoch": {"en": "epoch", "ru": "эпоха"},
    "train.loss": {"en": "loss", "ru": "ошибка"},
    "train.accuracy": {"en": "accuracy", "ru": "точность"},
    "train.batch": {"en": "batch", "ru": "батч"},
    "train.runs": {"en": "Runs in this lab", "ru": "Запуски в этой лаборатории"},
    "train.col_run": {"en": "Run", "ru": "№"},
    "train.col_test_acc": {"en": "Test", "ru": "Тест"},
    "train.col_result": {"en": "Result", "ru": "Итог"},
    "train.col_setup": {"en": "Settings", "ru": "Настройки"},
    "train.col_train_acc": {"en": "Train", "ru": "Обучение"},
    "train.setup": {
        "en": "784-{hidden}-10, {optimizer}, lr {lr}, batch {batch}, {images} images, {epochs} epochs",
        "ru": "784-{hidden}-10, {optimizer}, lr {lr}, батч {batch}, картинок: {images}, эпох: {epochs}",
    },
    "train.result_finished": {"en": "finished in {time}", "ru": "завершён за {time}"},
    "train.result_diverged": {"en": "diverged in epoch {epoch}", "ru": "разошёлся на эпохе {epoch}"},
    "train.result_training": {
        "en": "training, {done} of {epochs} epochs done",
        "ru": "обучается, готово эпох {done} из {epochs}",
    },
    "train.result_stopped": {
        "en": "paused after {done} of {epochs} epochs, {time}",
        "ru": "на паузе после {done} из {epochs} эпох, {time}",
    },
    "train.overlay": {
        "en": "Draw earlier runs' test curves on the charts",
        "ru": "Показать на графиках тестовые кривые прошлых запусков",
    },
    "train.overlay_placeholder": {"en": "Choose runs", "ru": "Выберите запуски"},
    "train.run_n": {"en": "Run {n}", "ru": "Запуск {n}"},
    "train.inside": {"en": "Inside the trained network", "ru": "Что внутри обученной сети"},
    "train.inside_running": {
        "en": "Pause, or wait for the run to end, to see the confusion matrix, the mistakes and the weights.",
        "ru": "Поставьте обучение на паузу или дождитесь конца, чтобы увидеть матрицу ошибок, промахи и веса.",
    },
    "train.inside_text": {
        "en": "The weights after epoch {epoch} on all {total} test images: {acc} right, {wrong} wrong.",
        "ru": "Веса после эпохи {epoch} на всех {total} тестовых картинках: {acc} верно, ошибок: {wrong}.",
    },
    "train.inside_text_mid": {
        "en": "The current weights, {batches} batches into epoch {epoch} (newer than the end-of-epoch figures above), on all {total} test images: {acc} right, {wrong} wrong.",
        "ru": "Текущие веса (эпоха {epoch}, пройдено батчей: {batches}; они новее итогов эпохи выше) на всех {total} тестовых картинках: {acc} верно, ошибок: {wrong}.",
    },
    "train.inside_diverged": {
        "en": "Run {n} diverged: below are its weights from before the blow-up. They are not the active model.",
        "ru": "Запуск {n} разошёлся: ниже его веса до срыва. Активной моделью они не стали.",
    },
    "train.tab_confusion": {"en": "Confusion matrix", "ru": "Матрица ошибок"},
    "train.tab_mistakes": {"en": "Mistakes", "ru": "Промахи"},
    "train.tab_weights": {"en": "First-layer weights", "ru": "Веса первого слоя"},
    "train.predicted": {"en": "predicted", "ru": "ответ сети"},
    "train.true": {"en": "true digit", "ru": "верная цифра"},
    "train.confusion_text": {
        "en": "Row: the true digit; column: the network's answer. The diagonal counts right answers; every other cell is one kind of mistake.",
        "ru": "Строка — верная цифра, столбец — ответ сети. На диагонали правильные ответы, все остальные клетки — разные виды ошибок.",
    },
    "train.no_mistakes": {"en": "Not a single mistake on the test set.", "ru": "На тестовой выборке ни одной ошибки."},
    "train.mistakes_text": {
        "en": "The test digits the network got wrong most confidently. Under each: true digit → answer (confidence).",
        "ru": "Тестовые цифры, в которых сеть ошиблась увереннее всего. Под каждой: верная цифра → ответ сети (уверенность).",
    },
    "train.mistake": {"en": "{true}→{pred} ({conf})", "ru": "{true}→{pred} ({conf})"},
    "train.units": {"en": "Hidden units to draw", "ru": "Какие скрытые нейроны показать"},
    "train.units_placeholder": {"en": "Choose units", "ru": "Выберите нейроны"},
    "train.units_help": {
        "en": "Unit numbers from 0 to H−1, up to 48 at once.",
        "ru": "Номера нейронов от 0 до H−1, не больше 48 сразу.",
    },
    "train.weights_text": {
        "en": "Each picture is one hidden unit's 784 weights W_h[:, j] laid out as 28×28: ink on a red pixel raises the unit's input z, ink on a blue one lowers it.",
        "ru": "Каждая картинка — 784 веса одного скрытого нейрона W_h[:, j], уложенные в квадрат 28×28: чернила на красном пикселе увеличивают вход нейрона z, на синем — уменьшают.",
    },
    "train.unit": {"en": "unit {n}", "ru": "нейрон {n}"},
    "train.files": {"en": "Model file", "ru": "Файл модели"},
    "train.download": {"en": "Download the model (.npz)", "ru": "Скачать модель (.npz)"},
    "train.download_text": {
        "en": "Weights, settings and history of the current run. Keep the file: reloading the page starts a new session. Upload it here later, or open it in Python with mlp_core.io.load_model.",
        "ru": "Веса, настройки и история текущего запуска. Сохраните файл: после перезагрузки страницы начнётся новая сессия. Его можно загрузить сюда позже или открыть в Python через mlp_core.io.load_model.",
    },
    "train.download_none": {"en": "Train a model to download it.", "ru": "Обучите модель, чтобы её скачать."},
    "train.download_diverged": {
        "en": "This run diverged: its weights are not worth a file. Train with a smaller learning rate to download a model.",
        "ru": "Этот запуск разошёлся, его веса не стоит сохранять. Обучите модель с меньшей скоростью обучения, чтобы её скачать.",
    },
    "train.use_trained": {"en": "Use the model of run {n}", "ru": "Использовать модель запуска {n}"},
    "train.upload": {"en": "Upload a model file", "ru": "Загрузить файл модели"},
    "train.upload_help": {
        "en": "An .npz file downloaded from this page. It is checked before use; a bad file changes nothing.",
        "ru": "Файл .npz, скачанный с этой страницы. Он проверяется перед использованием; неподходящий файл ничего не меняет.",
    },
    "train.upload_bad": {
        "en": "The file was not loaded and nothing was changed. {reason}",
        "ru": "Файл не загружен, ничего не изменилось. {reason}",
    },
    "train.upload_active": {
        "en": "The file below is loaded and is now the active model: {summary}.",
        "ru": "Файл ниже загружен, и теперь это активная модель: {summary}.",
    },
    "train.upload_kept": {
        "en": "Uploaded earlier ({summary}):",
        "ru": "Загружена ранее ({summary}):",
    },
    "train.use_uploaded": {"en": "Use the uploaded model", "ru": "Использовать загруженную модель"},
    "train.upload_how": {
        "en": "Drop a model file (.npz, up to {limit} MB) on the box, or press Upload to choose one.",
        "ru": "Перетащите файл модели (.npz, до {limit} МБ) в это поле или нажмите Upload, чтобы выбрать его.",
    },
    "train.upload_refused": {
        "en": "That file was not taken, and nothing was changed: a model file is an .npz file of at most {limit} MB.",
        "ru": "Этот файл не принят, ничего не изменилось: файл модели — это файл .npz размером не больше {limit} МБ.",
    },
    "train.upload_history_dropped": {
        "en": "The training history in the file had impossible figures, so it was left out; the weights are loaded.",
        "ru": "В истории обучения в файле были невозможные значения, поэтому она не загружена; веса загружены.",
    },
    "train.upload_detail": {"en": "What the check found: {detail}", "ru": "Что нашла проверка: {detail}"},
    # why an uploaded model file was refused: one sentence per mlp_core.io.ERROR_CODES entry
    "modelfile.not_model": {
        "en": "This file is not a Backprop Lab model. Upload an .npz file downloaded from this page.",
        "ru": "Этот файл — не модель Backprop Lab. Загрузите файл .npz, скачанный на этой странице.",
    },
    "modelfile.damaged": {
        "en": "The model file is damaged, perhaps cut short. Download the model again and upload the new file.",
        "ru": "Файл модели повреждён — возможно, загрузился не целиком. Скачайте модель заново и загрузите новый файл.",
    },
    "modelfile.too_large": {
        "en": "The file is too large to be a model. Upload an .npz file downloaded from this page.",
        "ru": "Файл слишком велик для модели. Загрузите файл .npz, скачанный на этой странице.",
    },
    "modelfile.unsafe": {
        "en": "The file holds Python objects. They are never loaded here, because they could run code on the server. Upload an .npz file downloaded from this page.",
        "ru": "В файле есть объекты Python. Здесь их никогда не загружают: они могут выполнить код на сервере. Загрузите файл .npz, скачанный на этой странице.",
    },
    "modelfile.incomplete": {
        "en": "Some of the network's weights are missing from the file. Download the model again and upload the new file.",
        "ru": "В файле не хватает части весов сети. Скачайте модель заново и загрузите новый файл.",
    },
    "modelfile.wrong_shape": {
        "en": "The weights do not fit this network: it needs 784 inputs, one hidden layer and 10 outputs. Upload a model trained here.",
        "ru": "Веса не подходят к этой сети: ей нужны 784 входа, один скрытый слой и 10 выходов. Загрузите модель, обученную здесь.",
    },
    "modelfile.too_wide": {
        "en": "The network in this file is wider than this page takes: at most {limit} hidden units. Upload a model trained here, or a smaller one.",
        "ru": "Сеть в этом файле шире, чем принимает эта страница: не больше {limit} скрытых нейронов. Загрузите модель, обученную здесь, или сеть поменьше.",
    },
    "modelfile.bad_numbers": {
        "en": "The weights are not usable numbers (not floating point, or NaN or infinite). Train the model again, with a smaller learning rate if it diverged.",
        "ru": "Веса — не пригодные числа (не с плавающей точкой, NaN или бесконечность). Обучите модель заново; если обучение расходилось, уменьшите скорость обучения.",
    },
    "modelfile.bad_settings": {
        "en": "The training settings or history saved in the file are invalid. Download the model again and upload the new file.",
        "ru": "Сохранённые в файле настройки или история обучения некорректны. Скачайте модель заново и загрузите новый файл.",
    },
    "modelfile.newer_version": {
        "en": "The file was saved by another version of Backprop Lab. Save the model again with this version, or train a new one.",
        "ru": "Файл сохранён другой версией Backprop Lab. Сохраните модель заново в этой версии или обучите новую.",
    },
    "modelfile.no_file": {
        "en": "There is no model file there. Train a model and download it first.",
        "ru": "Файла модели там нет. Сначала обучите модель и скачайте её.",
    },
    "train.seconds": {"en": "{s} s", "ru": "{s} с"},
    "train.minutes": {"en": "{m} min {s} s", "ru": "{m} мин {s} с"},
    # --- draw page -----------------------------------------------------------
    "draw.intro": {
        "en": "Draw a digit anywhere on the canvas, at any size. It is prepared exactly as MNIST's digits were, then the network reads it.",
        "ru": "Нарисуйте цифру в любом месте холста, любого размера. Её подготовят так же, как готовили цифры MNIST, а затем сеть её прочитает.",
    },
    "draw.model": {"en": "Model", "ru": "Модель"},
    "draw.model_plain": {"en": "Reading with: {name}", "ru": "Читает: {name}"},
    "draw.model_taught": {
        "en": "Reading with: {name}, taught on this page (lessons: {count})",
        "ru": "Читает: {name}, дообученная на этой странице (уроков: {count})",
    },
    "draw.pen": {"en": "Pen width", "ru": "Толщина пера"},
    "draw.clear": {"en": "Clear", "ru": "Очистить"},
    "draw.canvas_help": {
        "en": "Draw with the mouse, a finger or a pen. Point at or touch the canvas for its toolbar: ↶ undoes the last stroke, ↷ brings it back.",
        "ru": "Рисуйте мышью, пальцем или стилусом. Наведите курсор на холст или коснитесь его, чтобы появилась панель: ↶ отменяет последний штрих, ↷ возвращает его.",
    },
    "draw.empty": {
        "en": "Draw a digit on the canvas, and the network will say what it reads.",
        "ru": "Нарисуйте цифру на холсте, и сеть скажет, что она видит.",
    },
    "draw.too_small": {
        "en": "That is only a dot. Draw a whole digit, as large as you like.",
        "ru": "Это просто точка. Нарисуйте цифру целиком, можно крупно.",
    },
    "draw.answer": {"en": "### It reads **{digit}** ({conf} sure)", "ru": "### Это **{digit}** (уверенность {conf})"},
    "draw.unsure": {
        "en": "Not sure: maybe {a} ({pa}), maybe {b} ({pb}). Try drawing it more clearly.",
        "ru": "Сеть не уверена: может быть, {a} ({pa}), а может быть, {b} ({pb}). Попробуйте нарисовать чётче.",
    },
    "draw.bars_before": {
        "en": "Grey outlines: the probabilities before the last lesson.",
        "ru": "Серые контуры: вероятности до последнего урока.",
    },
    "draw.stages_title": {"en": "How the drawing is prepared", "ru": "Как готовится рисунок"},
    "draw.stages_text": {
        "en": "MNIST's recipe: crop to the ink, scale the longer side to 20 pixels keeping the shape (averaging pixels, so nothing is lost), then place it in 28×28 so that its centre of mass (the cross) is at the centre.",
        "ru": "Рецепт MNIST: обрезать по чернилам, уменьшить до 20 пикселей по длинной стороне с сохранением пропорций (усредняя пиксели, чтобы ничего не потерять), затем поместить в 28×28 так, чтобы центр масс (крестик) оказался в центре.",
    },
    "draw.stage_ink": {"en": "1. Your ink and its bounding box", "ru": "1. Ваши чернила и их рамка"},
    "draw.stage_cropped": {"en": "2. Cropped to the ink", "ru": "2. Обрезано по чернилам"},
    "draw.stage_scaled": {"en": "3. Scaled into 20×20", "ru": "3. Уменьшено до 20×20"},
    "draw.stage_final": {
        "en": "4. Centred in 28×28: what the network sees",
        "ru": "4. В центре 28×28: это и видит сеть",
    },
    "draw.inside_title": {"en": "Inside the network", "ru": "Внутри сети"},
    "draw.hidden_title": {
        "en": "**Hidden layer** h = ReLU(W_h x + b_h)",
        "ru": "**Скрытый слой** h = ReLU(W_h x + b_h)",
    },
    "draw.hidden_title_nobias": {"en": "**Hidden layer** h = ReLU(W_h x)", "ru": "**Скрытый слой** h = ReLU(W_h x)"},
    "draw.hidden_text": {
        "en": "{active} of {total} hidden units respond to this drawing; the rest are switched off by ReLU (the grey stubs: their h is 0).",
        "ru": "На этот рисунок откликаются {active} из {total} скрытых нейронов; остальные ReLU выключила (короткие серые столбики: у них h = 0).",
    },
    "draw.hidden_x": {"en": "hidden unit j", "ru": "скрытый нейрон j"},
    "draw.hidden_y": {"en": "activation h_j", "ru": "активация h_j"},
    "draw.pixels_title": {
        "en": "**Which pixels pushed the answer {digit}**",
        "ru": "**Какие пиксели голосовали за ответ {digit}**",
    },
    "draw.pixels_text": {
        "en": "Each pixel's share of the score θ for {digit} (gradient × input): red pixels pushed it up, blue ones down. The shares add up to {total}; with the biases ({bias}) that makes θ = {theta}.",
        "ru": "Вклад каждого пикселя в оценку θ для {digit} (градиент × вход): красные пиксели её повышали, синие понижали. Вместе вклады дают {total}, а со смещениями ({bias}) получается θ = {theta}.",
    },
    "draw.pixels_text_nobias": {
        "en": "Each pixel's share of the score θ for {digit} (gradient × input): red pixels pushed it up, blue ones down. This model has no biases, so the shares add up to θ = {theta} by themselves.",
        "ru": "Вклад каждого пикселя в оценку θ для {digit} (градиент × вход): красные пиксели её повышали, синие понижали. Смещений у этой модели нет, поэтому сумма вкладов и есть θ = {theta}.",
    },
    "draw.pixel_hover": {"en": "row {row}, column {col}", "ru": "строка {row}, столбец {col}"},
    "draw.teach_title": {"en": "Teach it", "ru": "Научите сеть"},
    "draw.teach_text": {
        "en": "Say which digit you drew: the network takes a few gradient steps on your drawing, mixed with real MNIST digits so that it does not forget the rest.",
        "ru": "Скажите, какую цифру вы нарисовали: сеть сделает несколько шагов градиентного спуска на вашем рисунке вперемешку с настоящими цифрами MNIST, чтобы не забыть остальное.",
    },
    "draw.teach_label": {"en": "The digit you drew", "ru": "Вы нарисовали цифру"},
    "draw.teach_button": {"en": "Teach it", "ru": "Научить"},
    "draw.lessons_dropped": {
        "en": "Your lessons ({count}) were for this model as it was before; it has changed since (more training, or another model), so they were set aside.",
        "ru": "Ваши уроки ({count}) относились к прежнему состоянию модели; с тех пор она изменилась (доучилась или выбрана другая), поэтому уроки отложены.",
    },
    "draw.undo_button": {"en": "Undo lesson", "ru": "Отменить урок"},
    "draw.lesson": {
        "en": "Last lesson, as {label}: probability of {label} {before} → {after}; accuracy on {n} MNIST test digits {acc_before} → {acc_after}.",
        "ru": "Последний урок, как {label}: вероятность {label} {before} → {after}; точность на {n} тестовых цифрах MNIST {acc_before} → {acc_after}.",
    },
    "draw.teach_while_training": {
        "en": "This model is still training, so a lesson now would be lost as it moves on. Pause the run on the Train page, or let it finish, then teach it.",
        "ru": "Эта модель ещё обучается, и урок сейчас пропал бы, пока она учится дальше. Поставьте запуск на паузу на странице «Обучение» или дождитесь конца, затем учите.",
    },
    "draw.lessons_folded": {
        "en": "The {count} oldest lessons are now part of the model: Undo goes back at most {max} lessons.",
        "ru": "Самые ранние уроки ({count}) уже вошли в модель: отмена возвращает не больше {max} последних уроков.",
    },
    "draw.lessons_count": {
        "en": "Lessons so far: {count}. Undo takes back the newest one exactly.",
        "ru": "Уроков пока: {count}. Отмена точно возвращает веса до последнего урока.",
    },
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``{placeholders}`` filled in.

    A key missing from the catalogue raises ``KeyError`` (tests catch it);
    a language missing for a key falls back to English.
    """
    entry = CATALOGUE[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text
