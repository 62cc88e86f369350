/**
 * Every user-visible string of the web app, in English. A later issue adds Polish and
 * Russian: each of those will be an object of the same `Messages` shape.
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
      tools: "Tools",
      inspections: "Inspections",
      failures: "Failures",
    },
    comingSoon: "coming soon",
    role: "Role",
    logout: "Log out",
    loggingOut: "Logging out…",
    welcome: (name: string) => `Welcome, ${name}`,
    intro:
      "This is HOM, the maintenance history of your machines. The plant, tools, inspections and failures sections will appear here.",
  },

  theme: {
    label: "Theme",
    light: "Light",
    dark: "Dark",
    system: "System",
  },
} as const;

type Widen<T> = T extends string
  ? string
  : T extends (...args: infer A) => string
    ? (...args: A) => string
    : { readonly [K in keyof T]: Widen<T[K]> };

/** The shape every locale has to provide. */
export type Messages = Widen<typeof en>;

export const messages: Messages = en;
