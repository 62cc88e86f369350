import type { Messages } from "./en";

/** Russian. Same keys as en.ts; `Messages` makes a missing or extra key a type error. */
export const ru: Messages = {
  appName: "HOM",
  appTitle: "История оборудования",
  loading: "Загрузка…",

  login: {
    heading: "Вход в HOM",
    intro: "История обслуживания машин и оснастки вашего завода.",
    username: "Имя пользователя",
    password: "Пароль",
    submit: "Войти",
    submitting: "Вход…",
    required: "Введите имя пользователя и пароль.",
    invalid: "Неверное имя пользователя или пароль",
    locked: "Слишком много неудачных попыток входа. Подождите и попробуйте снова.",
    sessionEnded: "Сеанс завершён. Войдите снова.",
    network: "Нет связи с сервером HOM. Проверьте подключение и попробуйте снова.",
    failed: "Не удалось войти. Попробуйте снова.",
  },

  restore: {
    failed: "Нет связи с сервером HOM.",
    retry: "Повторить",
    toLogin: "К входу",
  },

  shell: {
    navLabel: "Главное меню",
    nav: {
      home: "Главная",
      plant: "Завод",
      newLine: "Новая линия",
    },
    role: "Роль",
    logout: "Выйти",
    loggingOut: "Выход…",
    welcome: "Добро пожаловать, {{name}}",
    intro: "Это HOM — история обслуживания ваших машин.",
    openPlant: "Перейти к заводу",
  },

  roles: {
    viewer: "наблюдатель",
    operator: "оператор",
    technician: "техник",
    engineer: "инженер",
    manager: "руководитель",
    admin: "администратор",
  },

  theme: {
    label: "Тема",
    light: "Светлая",
    dark: "Тёмная",
    system: "Системная",
  },

  language: {
    label: "Язык",
  },

  notFound: {
    heading: "Страница не найдена",
    text: "По этому адресу ничего нет.",
    home: "На главную",
  },

  common: {
    breadcrumb: "Навигация",
    loadMore: "Показать ещё",
  },

  plant: {
    heading: "Завод",
    intro: "Линии и их машины. Откройте машину, чтобы записать простой или ремонт.",
    newLine: "Новая линия",
    newMachine: "Добавить машину",
    noLines: "Линий пока нет.",
    noMachines: "На этой линии пока нет машин.",
    machineCount: "Машин: {{number}}",
    allMachines: "Все машины линии",
    machines: "Машины",
  },

  status: {
    machine: { operational: "Работает", down: "Простой", maintenance: "Обслуживание", retired: "Списана" },
    line: { running: "Работает", maintenance: "Обслуживание", stopped: "Остановлена" },
    repair: { open: "Открыт", in_progress: "В работе", closed: "Закрыт" },
    kind: { scheduled: "Плановый", unscheduled: "Внеплановый" },
    category: { unplanned: "Внеплановый", planned: "Плановый", excluded: "Исключённый" },
  },

  kpi: {
    heading: "Последние {{days}} дней",
    availability: "Готовность",
    failures: "Отказы",
    mttr: "MTTR",
    mttrHint: "среднее время ремонта",
    mtbf: "MTBF",
    mtbfHint: "средняя наработка на отказ",
    unplanned: "Внеплановые простои: {{duration}}",
    none: "—",
  },

  machine: {
    downFor: "Простой уже {{duration}}",
    downSince: "Простой с {{time}}",
    details: "Сведения о машине",
    fields: {
      assetNumber: "Инвентарный номер",
      type: "Тип",
      manufacturer: "Производитель",
      model: "Модель",
      serialNumber: "Серийный номер",
      notes: "Примечания",
    },
  },

  history: {
    heading: "История",
    empty: "Пока ничего не записано.",
    downtime: "Простой",
    ongoing: "продолжается",
    notEnded: "не завершён",
    reason: "Причина",
    noReason: "Причина не указана",
    repair: "Ремонт",
  },

  repair: {
    section: "Ремонты",
    record: "Записать ремонт",
    newHeading: "Новый ремонт",
    editHeading: "Изменение ремонта",
    title: "Название",
    kind: "Вид",
    status: "Статус",
    start: "Начало",
    end: "Окончание",
    endHint: "Оставьте пустым, пока ремонт идёт.",
    downtime: "Простой, который он устранил",
    noDowntime: "Нет",
    linkedDowntime: "Связанный сейчас простой",
    downtimesFailed: "Не удалось загрузить простои машины.",
    save: "Сохранить ремонт",
    saving: "Сохранение…",
    cancel: "Отмена",
    saved: "Ремонт сохранён.",
    edit: "Изменить",
    close: "Закрыть ремонт",
    closing: "Закрытие…",
    description: "Описание",
    cause: "Причина",
    actionsTaken: "Выполненные работы",
    partsUsed: "Использованные запчасти",
    cost: "Стоимость",
  },

  quick: {
    stopped: "Машина остановилась",
    running: "Машина снова работает",
    pickReason: "Почему машина остановилась?",
    pickGroup: "Выберите, что произошло.",
    pickDetail: "Выберите наиболее подходящее.",
    pickReasonFor: "Указать причину",
    back: "Назад",
    later: "Решить позже",
    reasonSaved: "Причина сохранена: {{reason}}",
  },

  forms: {
    code: "Код",
    codeHint: "Уникальный; буквы, цифры и . _ / -",
    name: "Название",
    description: "Описание",
    lineStatus: "Статус",
    newMachineOn: "Новая машина на линии {{line}}",
    createLine: "Создать линию",
    createMachine: "Добавить машину",
    creating: "Сохранение…",
    cancel: "Отмена",
  },

  errors: {
    network: "Нет связи с сервером HOM. Проверьте подключение и попробуйте снова.",
    forbidden: "Ваша роль не позволяет это сделать.",
    notFound: "Такой записи нет (больше нет).",
    invalid: "Проверьте отмеченные поля.",
    unexpected: "Что-то пошло не так: {{message}}",
    retry: "Повторить",
    details: {
      required: "Обязательное поле.",
      duplicate: "Уже занято.",
      codeFormat: "Допустимы буквы, цифры и . _ / -",
      future: "Не может быть в будущем.",
      endBeforeStart: "Не может быть раньше начала.",
      requiredToClose: "Нужно для закрытия ремонта.",
      ongoingExists: "У этой машины уже есть текущий простой. Сначала завершите его.",
      alreadyEnded: "Этот простой уже завершён.",
      alreadyClosed: "Этот ремонт уже закрыт.",
      alreadyLinked: "Уже связано с другой записью.",
      overlap: "Пересекается с другим простоем этой машины.",
    },
  },
};
