/**
 * Every user-visible string of the web app, in English: the i18next resources of the
 * "translation" namespace. Polish and Russian (pl.ts, ru.ts) are objects of the same
 * `Messages` shape, so a key missing there fails type checking. Interpolation is `{{name}}`.
 * Dates, times and numbers are never written here: they go through Intl (see format.ts).
 */
export const en = {
  appName: "HOM",
  appTitle: "History of Machines",
  loading: "Loading…",

  login: {
    heading: "Log in to HOM",
    intro: "Maintenance history of your plant's machines and tools.",
    username: "Username",
    password: "Password",
    submit: "Log in",
    submitting: "Logging in…",
    required: "Enter your username and password.",
    invalid: "Invalid username or password",
    locked: "Too many failed logins. Wait a while and try again.",
    sessionEnded: "Your session has ended. Please log in again.",
    network: "Cannot reach the HOM server. Check the connection and try again.",
    failed: "Login failed. Try again.",
  },

  restore: {
    failed: "Cannot reach the HOM server.",
    retry: "Try again",
    toLogin: "Go to login",
  },

  shell: {
    navLabel: "Main",
    nav: {
      home: "Home",
      plant: "Plant",
      newLine: "New line",
    },
    role: "Role",
    logout: "Log out",
    loggingOut: "Logging out…",
    welcome: "Welcome, {{name}}",
    intro: "This is HOM, the maintenance history of your machines.",
    openPlant: "Open the plant",
  },

  roles: {
    viewer: "viewer",
    operator: "operator",
    technician: "technician",
    engineer: "engineer",
    manager: "manager",
    admin: "admin",
  },

  theme: {
    label: "Theme",
    light: "Light",
    dark: "Dark",
    system: "System",
  },

  language: {
    label: "Language",
  },

  notFound: {
    heading: "Page not found",
    text: "There is nothing at this address.",
    home: "Go to the start page",
  },

  common: {
    breadcrumb: "Breadcrumb",
    loadMore: "Load more",
  },

  plant: {
    heading: "Plant",
    intro: "Lines and their machines. Open a machine to record a stop or a repair.",
    newLine: "New line",
    newMachine: "Add machine",
    noLines: "No lines yet.",
    noMachines: "No machines on this line yet.",
    machineCount: "Machines: {{number}}",
    allMachines: "All machines of this line",
    machines: "Machines",
  },

  status: {
    machine: { operational: "Operational", down: "Down", maintenance: "Maintenance", retired: "Retired" },
    line: { running: "Running", maintenance: "Maintenance", stopped: "Stopped" },
    repair: { open: "Open", in_progress: "In progress", closed: "Closed" },
    kind: { scheduled: "Scheduled", unscheduled: "Unscheduled" },
    category: { unplanned: "Unplanned", planned: "Planned", excluded: "Excluded" },
  },

  kpi: {
    heading: "Last {{days}} days",
    availability: "Availability",
    failures: "Failures",
    mttr: "MTTR",
    mttrHint: "mean time to repair",
    mtbf: "MTBF",
    mtbfHint: "mean time between failures",
    unplanned: "Unplanned downtime: {{duration}}",
    none: "—",
  },

  machine: {
    downFor: "Down for {{duration}}",
    downSince: "Down since {{time}}",
    details: "Details",
    fields: {
      assetNumber: "Asset number",
      type: "Type",
      manufacturer: "Manufacturer",
      model: "Model",
      serialNumber: "Serial number",
      notes: "Notes",
    },
  },

  history: {
    heading: "History",
    empty: "Nothing recorded yet.",
    downtime: "Stop",
    ongoing: "ongoing",
    notEnded: "not finished",
    reason: "Reason",
    noReason: "No reason given",
    repair: "Repair",
  },

  repair: {
    section: "Repairs",
    record: "Record a repair",
    newHeading: "New repair",
    editHeading: "Edit repair",
    title: "Title",
    kind: "Kind",
    status: "Status",
    start: "Start",
    end: "End",
    endHint: "Leave empty while the repair goes on.",
    downtime: "Stop it fixed",
    noDowntime: "None",
    linkedDowntime: "The stop linked now",
    downtimesFailed: "The machine's stops could not be loaded.",
    save: "Save repair",
    saving: "Saving…",
    cancel: "Cancel",
    saved: "Repair saved.",
    edit: "Edit",
    close: "Close repair",
    closing: "Closing…",
    description: "Description",
    cause: "Cause",
    actionsTaken: "Actions taken",
    partsUsed: "Parts used",
    cost: "Cost",
  },

  quick: {
    stopped: "Machine stopped",
    running: "Machine running again",
    pickReason: "Why did the machine stop?",
    pickGroup: "Choose what happened.",
    pickDetail: "Choose the closest match.",
    pickReasonFor: "Give the reason",
    back: "Back",
    later: "Decide later",
    reasonSaved: "Reason saved: {{reason}}",
  },

  forms: {
    code: "Code",
    codeHint: "Unique; letters, digits and . _ / -",
    name: "Name",
    description: "Description",
    lineStatus: "Status",
    newMachineOn: "New machine on {{line}}",
    createLine: "Create line",
    createMachine: "Add machine",
    creating: "Saving…",
    cancel: "Cancel",
  },

  errors: {
    network: "Cannot reach the HOM server. Check the connection and try again.",
    forbidden: "Your role does not allow this.",
    notFound: "It does not exist (any more).",
    invalid: "Some fields need attention.",
    unexpected: "Something went wrong: {{message}}",
    retry: "Try again",
    details: {
      required: "Required.",
      duplicate: "Already in use.",
      codeFormat: "Use letters, digits and . _ / - only.",
      future: "Must not be in the future.",
      endBeforeStart: "Must not be before the start.",
      requiredToClose: "Needed to close the repair.",
      ongoingExists: "This machine already has an ongoing downtime. End that one first.",
      alreadyEnded: "This downtime has already ended.",
      alreadyClosed: "This repair is already closed.",
      alreadyLinked: "Already linked to another record.",
      overlap: "Overlaps another downtime of this machine.",
    },
  },
} as const;

type Widen<T> = T extends string ? string : { readonly [K in keyof T]: Widen<T[K]> };

/** The shape every locale has to provide. */
export type Messages = Widen<typeof en>;
