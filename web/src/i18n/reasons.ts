/**
 * Names of the default downtime reasons (seeded by the server in English, migration 0002) in
 * Polish and Russian. The server keeps one name per reason; a reason still carrying its seeded
 * English name is shown translated, a renamed or added one exactly as the plant named it.
 */
import { useCallback } from "react";
import { useLanguage } from "./index";

type Names = { en: string; pl: string; ru: string };

const SEEDED: Record<string, Names> = {
  BREAKDOWN: { en: "Machine breakdown", pl: "Awaria maszyny", ru: "Поломка машины" },
  BREAKDOWN_HYDRAULIC: {
    en: "Hydraulic (leak, pressure, pump)",
    pl: "Hydraulika (wyciek, ciśnienie, pompa)",
    ru: "Гидравлика (утечка, давление, насос)",
  },
  BREAKDOWN_ELECTRICAL: {
    en: "Electrical or controls",
    pl: "Elektryka lub sterowanie",
    ru: "Электрика или управление",
  },
  BREAKDOWN_HEATING: {
    en: "Heating (barrel, heater bands)",
    pl: "Grzanie (cylinder, grzałki)",
    ru: "Нагрев (цилиндр, нагревательные хомуты)",
  },
  BREAKDOWN_MECHANICAL: {
    en: "Mechanical (clamp, screw, drive)",
    pl: "Mechanika (zamykanie, ślimak, napęd)",
    ru: "Механика (смыкание, шнек, привод)",
  },
  BREAKDOWN_AUTOMATION: { en: "Robot or conveyor", pl: "Robot lub przenośnik", ru: "Робот или конвейер" },
  TOOL: { en: "Mould / tool problem", pl: "Problem z formą / narzędziem", ru: "Проблема с пресс-формой" },
  TOOL_EJECTION: {
    en: "Part stuck or ejector problem",
    pl: "Zablokowany detal lub problem z wypychaczem",
    ru: "Застряла деталь или проблема выталкивателя",
  },
  TOOL_LEAK: {
    en: "Water or oil leak at the mould",
    pl: "Wyciek wody lub oleju na formie",
    ru: "Утечка воды или масла на форме",
  },
  TOOL_HOT_RUNNER: {
    en: "Hot runner fault",
    pl: "Usterka gorących kanałów",
    ru: "Неисправность горячеканальной системы",
  },
  TOOL_DAMAGE: { en: "Mould damaged", pl: "Uszkodzona forma", ru: "Повреждение пресс-формы" },
  MATERIAL: { en: "Material shortage", pl: "Brak materiału", ru: "Нехватка материала" },
  MATERIAL_EMPTY: {
    en: "No material at the press",
    pl: "Brak materiału przy wtryskarce",
    ru: "Нет материала у машины",
  },
  MATERIAL_DRYING: { en: "Material not dried", pl: "Materiał niewysuszony", ru: "Материал не высушен" },
  NO_OPERATOR: { en: "No operator", pl: "Brak operatora", ru: "Нет оператора" },
  QUALITY: { en: "Quality stop", pl: "Zatrzymanie jakościowe", ru: "Остановка по качеству" },
  UTILITIES: { en: "Utilities", pl: "Media", ru: "Энергоносители" },
  UTILITIES_POWER: { en: "Power outage", pl: "Brak zasilania", ru: "Отключение электроэнергии" },
  UTILITIES_AIR: { en: "Compressed air", pl: "Sprężone powietrze", ru: "Сжатый воздух" },
  UTILITIES_COOLING: { en: "Cooling water", pl: "Woda chłodząca", ru: "Охлаждающая вода" },
  CHANGEOVER: { en: "Changeover", pl: "Przezbrojenie", ru: "Переналадка" },
  CHANGEOVER_MOULD: { en: "Mould change", pl: "Wymiana formy", ru: "Смена пресс-формы" },
  CHANGEOVER_MATERIAL: {
    en: "Material or colour change",
    pl: "Zmiana materiału lub koloru",
    ru: "Смена материала или цвета",
  },
  PLANNED_MAINTENANCE: { en: "Planned maintenance", pl: "Planowa konserwacja", ru: "Плановое обслуживание" },
  PLANNED_MAINTENANCE_MACHINE: { en: "Machine maintenance", pl: "Konserwacja maszyny", ru: "Обслуживание машины" },
  PLANNED_MAINTENANCE_TOOL: { en: "Mould maintenance", pl: "Konserwacja formy", ru: "Обслуживание пресс-формы" },
  NOT_SCHEDULED: {
    en: "No production scheduled",
    pl: "Brak zaplanowanej produkcji",
    ru: "Производство не запланировано",
  },
  OTHER: { en: "Other", pl: "Inne", ru: "Другое" },
};

/** A reason's name in the current language. */
export function useReasonName(): (reason: { code: string; name: string }) => string {
  const [language] = useLanguage();
  return useCallback(
    (reason) => {
      const seeded = SEEDED[reason.code];
      return seeded && seeded.en === reason.name ? seeded[language] : reason.name;
    },
    [language],
  );
}
