import type { Messages } from "./en";

/** Polish. Same keys as en.ts; `Messages` makes a missing or extra key a type error. */
export const pl: Messages = {
  appName: "HOM",
  appTitle: "Historia maszyn",
  loading: "Ładowanie…",

  login: {
    heading: "Zaloguj się do HOM",
    intro: "Historia utrzymania ruchu maszyn i narzędzi Twojego zakładu.",
    username: "Nazwa użytkownika",
    password: "Hasło",
    submit: "Zaloguj",
    submitting: "Logowanie…",
    required: "Podaj nazwę użytkownika i hasło.",
    invalid: "Nieprawidłowa nazwa użytkownika lub hasło",
    locked: "Zbyt wiele nieudanych logowań. Odczekaj chwilę i spróbuj ponownie.",
    sessionEnded: "Sesja wygasła. Zaloguj się ponownie.",
    network: "Brak połączenia z serwerem HOM. Sprawdź połączenie i spróbuj ponownie.",
    failed: "Logowanie nie powiodło się. Spróbuj ponownie.",
  },

  restore: {
    failed: "Brak połączenia z serwerem HOM.",
    retry: "Spróbuj ponownie",
    toLogin: "Przejdź do logowania",
  },

  shell: {
    navLabel: "Menu główne",
    nav: {
      home: "Start",
      plant: "Zakład",
      newLine: "Nowa linia",
    },
    role: "Rola",
    logout: "Wyloguj",
    loggingOut: "Wylogowywanie…",
    welcome: "Witaj, {{name}}",
    intro: "To jest HOM, historia utrzymania ruchu Twoich maszyn.",
    openPlant: "Przejdź do zakładu",
  },

  roles: {
    viewer: "podgląd",
    operator: "operator",
    technician: "technik",
    engineer: "inżynier",
    manager: "kierownik",
    admin: "administrator",
  },

  theme: {
    label: "Motyw",
    light: "Jasny",
    dark: "Ciemny",
    system: "Systemowy",
  },

  language: {
    label: "Język",
  },

  notFound: {
    heading: "Nie znaleziono strony",
    text: "Pod tym adresem nic nie ma.",
    home: "Przejdź do strony startowej",
  },

  common: {
    breadcrumb: "Ścieżka",
    loadMore: "Pokaż więcej",
  },

  plant: {
    heading: "Zakład",
    intro: "Linie i ich maszyny. Otwórz maszynę, aby zapisać postój lub naprawę.",
    newLine: "Nowa linia",
    newMachine: "Dodaj maszynę",
    noLines: "Nie ma jeszcze linii.",
    noMachines: "Na tej linii nie ma jeszcze maszyn.",
    machineCount: "Maszyny: {{number}}",
    allMachines: "Wszystkie maszyny tej linii",
    machines: "Maszyny",
  },

  status: {
    machine: { operational: "Pracuje", down: "Postój", maintenance: "Konserwacja", retired: "Wycofana" },
    line: { running: "Pracuje", maintenance: "Konserwacja", stopped: "Zatrzymana" },
    repair: { open: "Otwarta", in_progress: "W toku", closed: "Zamknięta" },
    kind: { scheduled: "Planowa", unscheduled: "Nieplanowa" },
    category: { unplanned: "Nieplanowany", planned: "Planowany", excluded: "Wyłączony" },
  },

  kpi: {
    heading: "Ostatnie {{days}} dni",
    availability: "Dostępność",
    failures: "Awarie",
    mttr: "MTTR",
    mttrHint: "średni czas naprawy",
    mtbf: "MTBF",
    mtbfHint: "średni czas między awariami",
    unplanned: "Nieplanowane postoje: {{duration}}",
    none: "—",
  },

  machine: {
    downFor: "Postój trwa {{duration}}",
    downSince: "Postój od {{time}}",
    details: "Dane maszyny",
    fields: {
      assetNumber: "Numer inwentarzowy",
      type: "Typ",
      manufacturer: "Producent",
      model: "Model",
      serialNumber: "Numer seryjny",
      notes: "Uwagi",
    },
  },

  history: {
    heading: "Historia",
    empty: "Nic jeszcze nie zapisano.",
    downtime: "Postój",
    ongoing: "trwa",
    notEnded: "niezakończona",
    reason: "Przyczyna",
    noReason: "Nie podano przyczyny",
    repair: "Naprawa",
  },

  repair: {
    section: "Naprawy",
    record: "Zapisz naprawę",
    newHeading: "Nowa naprawa",
    editHeading: "Edycja naprawy",
    title: "Tytuł",
    kind: "Rodzaj",
    status: "Status",
    start: "Początek",
    end: "Koniec",
    endHint: "Zostaw puste, dopóki naprawa trwa.",
    downtime: "Postój, którego dotyczy",
    noDowntime: "Brak",
    linkedDowntime: "Obecnie powiązany postój",
    downtimesFailed: "Nie udało się wczytać postojów maszyny.",
    save: "Zapisz naprawę",
    saving: "Zapisywanie…",
    cancel: "Anuluj",
    saved: "Naprawa zapisana.",
    edit: "Edytuj",
    close: "Zamknij naprawę",
    closing: "Zamykanie…",
    description: "Opis",
    cause: "Przyczyna",
    actionsTaken: "Wykonane czynności",
    partsUsed: "Użyte części",
    cost: "Koszt",
  },

  quick: {
    stopped: "Maszyna stanęła",
    running: "Maszyna znów pracuje",
    pickReason: "Dlaczego maszyna stanęła?",
    pickGroup: "Wybierz, co się stało.",
    pickDetail: "Wybierz najbliższą odpowiedź.",
    pickReasonFor: "Podaj przyczynę",
    back: "Wstecz",
    later: "Zdecyduję później",
    reasonSaved: "Zapisano przyczynę: {{reason}}",
  },

  forms: {
    code: "Kod",
    codeHint: "Unikalny; litery, cyfry oraz . _ / -",
    name: "Nazwa",
    description: "Opis",
    lineStatus: "Status",
    newMachineOn: "Nowa maszyna na linii {{line}}",
    createLine: "Utwórz linię",
    createMachine: "Dodaj maszynę",
    creating: "Zapisywanie…",
    cancel: "Anuluj",
  },

  errors: {
    network: "Brak połączenia z serwerem HOM. Sprawdź połączenie i spróbuj ponownie.",
    forbidden: "Twoja rola na to nie pozwala.",
    notFound: "To nie istnieje (już).",
    invalid: "Niektóre pola wymagają poprawy.",
    unexpected: "Coś poszło nie tak: {{message}}",
    retry: "Spróbuj ponownie",
    details: {
      required: "Pole wymagane.",
      duplicate: "Już zajęte.",
      codeFormat: "Dozwolone są litery, cyfry oraz . _ / -",
      future: "Nie może być w przyszłości.",
      endBeforeStart: "Nie może być przed początkiem.",
      requiredToClose: "Wymagane do zamknięcia naprawy.",
      ongoingExists: "Ta maszyna ma już trwający postój. Najpierw go zakończ.",
      alreadyEnded: "Ten postój został już zakończony.",
      alreadyClosed: "Ta naprawa jest już zamknięta.",
      alreadyLinked: "Już powiązane z innym wpisem.",
      overlap: "Nakłada się na inny postój tej maszyny.",
    },
  },
};
