/**
 * Light / dark / system theme. The choice is kept in localStorage (`hom.theme`, default
 * "system"); the effective theme is a `dark` class on <html>, which Tailwind's `dark:`
 * variant follows (see the @custom-variant in index.css).
 */
import { useCallback, useEffect, useState } from "react";

export const THEME_KEY = "hom.theme";
export const THEME_MODES = ["light", "dark", "system"] as const;
export type ThemeMode = (typeof THEME_MODES)[number];

const DARK_QUERY = "(prefers-color-scheme: dark)";

function isThemeMode(value: unknown): value is ThemeMode {
  return typeof value === "string" && (THEME_MODES as readonly string[]).includes(value);
}

export function readTheme(): ThemeMode {
  try {
    const stored = localStorage.getItem(THEME_KEY);
    return isThemeMode(stored) ? stored : "system";
  } catch {
    return "system";
  }
}

function saveTheme(mode: ThemeMode): void {
  try {
    localStorage.setItem(THEME_KEY, mode);
  } catch {
    // Storage disabled: the choice lasts until reload.
  }
}

export function applyTheme(mode: ThemeMode): void {
  const dark = mode === "dark" || (mode === "system" && window.matchMedia(DARK_QUERY).matches);
  document.documentElement.classList.toggle("dark", dark);
}

/** The current theme choice and a setter that applies and remembers it. */
export function useTheme(): [ThemeMode, (mode: ThemeMode) => void] {
  const [mode, setModeState] = useState<ThemeMode>(readTheme);

  useEffect(() => {
    applyTheme(mode);
    if (mode !== "system") return;
    // Following the system: re-apply when the OS switches between light and dark.
    const media = window.matchMedia(DARK_QUERY);
    const onChange = () => applyTheme("system");
    media.addEventListener("change", onChange);
    return () => media.removeEventListener("change", onChange);
  }, [mode]);

  useEffect(() => {
    // Another tab changed the theme.
    const onStorage = (event: StorageEvent) => {
      if (event.key === THEME_KEY || event.key === null) setModeState(readTheme());
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);

  const setMode = useCallback((next: ThemeMode) => {
    saveTheme(next);
    setModeState(next);
  }, []);

  return [mode, setMode];
}
