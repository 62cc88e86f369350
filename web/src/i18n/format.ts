/**
 * Dates, times, numbers and durations in the chosen language, through Intl: no format strings
 * live in the translations. Formatters are built once per language.
 */
import { useMemo } from "react";
import { useLanguage, type Language } from "./index";

export interface Format {
  language: Language;
  /** 22 Nov 2026, 06:15 */
  dateTime: (iso: string) => string;
  /** 06:15 */
  time: (iso: string) => string;
  /** 22 Nov 2026 */
  date: (iso: string) => string;
  number: (value: number, fractionDigits?: number) => string;
  /** A ratio 0…1 as a percentage with one decimal. */
  percent: (ratio: number) => string;
  /** Hours with one decimal and the unit: "2.5 hr", "2,5 godz.", "2,5 ч". */
  hours: (value: number) => string;
  /** Whole minutes as "45 min", or "2 hr 5 min" from an hour on, or "3 days 4 hr" from a day on. */
  duration: (minutes: number) => string;
  money: (value: number) => string;
  /** Days with up to one decimal and the unit, in the language's plural: "1 day", "2,5 dnia", "30 дней". */
  days: (value: number) => string;
}

function unit(language: Language, name: "minute" | "hour" | "day", fractionDigits = 0) {
  return new Intl.NumberFormat(language, {
    style: "unit",
    unit: name,
    unitDisplay: name === "day" ? "long" : "short",
    maximumFractionDigits: fractionDigits,
  });
}

export function makeFormat(language: Language): Format {
  const dateTime = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });
  const time = new Intl.DateTimeFormat(language, { timeStyle: "short" });
  const date = new Intl.DateTimeFormat(language, { dateStyle: "medium" });
  const numbers = new Map<number, Intl.NumberFormat>();
  const numberFormat = (digits: number) => {
    let format = numbers.get(digits);
    if (!format) {
      format = new Intl.NumberFormat(language, { maximumFractionDigits: digits });
      numbers.set(digits, format);
    }
    return format;
  };
  const percent = new Intl.NumberFormat(language, {
    style: "percent",
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  const money = new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const minutes = unit(language, "minute");
  const hours = unit(language, "hour");
  const hoursDecimal = unit(language, "hour", 1);
  const days = unit(language, "day");
  const daysDecimal = unit(language, "day", 1);

  return {
    language,
    dateTime: (iso) => dateTime.format(new Date(iso)),
    time: (iso) => time.format(new Date(iso)),
    date: (iso) => date.format(new Date(iso)),
    number: (value, fractionDigits = 0) => numberFormat(fractionDigits).format(value),
    percent: (ratio) => percent.format(ratio),
    hours: (value) => hoursDecimal.format(value),
    duration: (total) => {
      const whole = Math.max(0, Math.floor(total));
      if (whole < 60) return minutes.format(whole);
      if (whole < 24 * 60) {
        const rest = whole % 60;
        const h = hours.format(Math.floor(whole / 60));
        return rest === 0 ? h : `${h} ${minutes.format(rest)}`;
      }
      const restHours = Math.floor((whole % (24 * 60)) / 60);
      const d = days.format(Math.floor(whole / (24 * 60)));
      return restHours === 0 ? d : `${d} ${hours.format(restHours)}`;
    },
    money: (value) => money.format(value),
    days: (value) => daysDecimal.format(value),
  };
}

/** Formatters for the current language. */
export function useFormat(): Format {
  const [language] = useLanguage();
  return useMemo(() => makeFormat(language), [language]);
}
